// The Source port: where commits come from.

export interface CommitInfo {
  sha: string;
  /** "Name <email>" of the commit's author. */
  author: string;
  /** Full commit message, without the trailing newline. */
  message: string;
  /** Committer date, ISO 8601 with offset. */
  committedAt: string;
}

export interface Source {
  /** Full 40-hex SHA of a branch, tag or (abbreviated) SHA on the remote; fetches first. */
  resolve(ref: string): Promise<string>;
  /** Updates the local mirror. */
  fetch(): Promise<void>;
  /** Cheap poll of refs/heads/<branch> on the remote; null when the branch does not exist. */
  headOf(branch: string): Promise<string | null>;
  /** Like headOf for any full ref name (refs/pull/7/head), on the remote or on another repository `from`. */
  refOf(ref: string, from?: string): Promise<string | null>;
  /** Every ref of the remote (or of `from`) with its SHA, in one round trip: for checking many refs at once. */
  remoteRefs(from?: string): Promise<ReadonlyMap<string, string>>;
  /**
   * Fetches one ref of the remote (or of another repository `from`, a fork) into the mirror as
   * `into` (a ref under refs/pull/, refs/merge-requests/ or refs/sluice/), and returns its SHA; a
   * SourceError when that ref does not exist there.
   */
  fetchRef(ref: string, into: string, from?: string): Promise<string>;
  commit(sha: string): Promise<CommitInfo>;
  /** Bytes of a file at a commit (their encoding is the caller's to check); null when the path is absent (or not a file). */
  readFile(sha: string, path: string): Promise<Buffer | null>;
  /** Paths that differ between two commits (from = null: every path of `to`). */
  changedPaths(from: string | null, to: string): Promise<string[]>;
  /** Creates in `dir` (absent or empty) a working tree of exactly that commit, with .git and a detached HEAD. */
  checkout(sha: string, dir: string): Promise<void>;
}
