// How much the log store keeps (server options --log-store-max, --log-store-project-max,
// --log-store-age). Small on purpose: the CLI reads the defaults for its help.
export interface LogStorePolicy {
  /** Lines older than this are deleted. */
  maxAgeMs: number;
  /** Bytes of text kept per project (oldest lines go first). */
  maxBytesPerProject: number;
  /** Bytes the log database may occupy on disk. */
  maxBytesTotal: number;
}

export const defaultLogStorePolicy: LogStorePolicy = {
  maxAgeMs: 30 * 86_400_000,
  maxBytesPerProject: 256 * 1024 * 1024,
  maxBytesTotal: 2 * 1024 * 1024 * 1024,
};
