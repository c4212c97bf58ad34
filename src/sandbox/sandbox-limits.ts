// Resource limits of a sandboxed step or instance, applied with setrlimit (prlimit) inside the
// sandbox. Memory is RLIMIT_DATA (private writable memory), not a cgroup: it works on every host
// that runs bubblewrap, with or without a delegated cgroup v2 tree. Not RLIMIT_AS: V8 reserves
// ~10 GiB of address space for WebAssembly, so Node's fetch (undici's wasm parser) failed under it.

export interface SandboxLimits {
  /** RLIMIT_DATA in bytes (Linux counts private writable mappings, heap included). */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes and threads of the sandbox's user (counted per sandbox: each has its own user namespace). */
  processes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_FSIZE in bytes: the largest file the sandbox may write. */
  fileSizeBytes: number;
}

/** Defaults (also in the JSON Schema): generous enough for `npm ci` and a Node service. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  memoryBytes: 4 * 1024 ** 3,
  processes: 1024,
  openFiles: 4096,
  fileSizeBytes: 2 * 1024 ** 3,
});

/** The spec keys, as the user writes them, for messages. */
export const LIMIT_KEYS = {
  memoryBytes: 'memory',
  processes: 'processes',
  openFiles: 'openFiles',
  fileSizeBytes: 'fileSize',
} as const satisfies Record<keyof SandboxLimits, string>;
