// What `sluice backup` needs from a store: a consistent copy taken while the server runs. Not
// part of the Store port (the engine never backs up); the composition root holds the concrete store.
export interface StoreBackup {
  /**
   * Writes a consistent online copy of the whole store to `file` (a new file). A store that
   * cannot copy itself (PostgreSQL) refuses with the exact command that does, for `hint`
   * (the file the operator asked for).
   */
  backup(file: string, hint: string): Promise<void>;
}
