// The Artifacts port: build outputs, content-addressed, packed once and unpacked for every
// later stage. artifact-store.ts keeps them as files; the engine sees only this.
export interface ArtifactRef {
  /** 'sha256:<hex>' of the stored archive's bytes. */
  digest: string;
  size: number;
}

export interface Artifacts {
  /** Packs a workspace (without .git) into an artifact; the same files give the same digest. */
  pack(workspace: string): Promise<ArtifactRef>;
  /** Unpacks a verified artifact into an empty directory. */
  unpack(digest: string, dest: string): Promise<void>;
  has(digest: string): Promise<boolean>;
  /** Removes artifacts beyond the `keep` newest, except referenced ones; returns the removed digests. */
  prune(opts: { keep: number; referenced: Set<string> }): Promise<string[]>;
}
