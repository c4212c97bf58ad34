// The engine's own diagnostics (not run logs): a tiny interface the composition root fills.
export interface Logger {
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string, error?: unknown) => void;
}
