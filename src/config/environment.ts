// The only module that reads process.env: everything else receives configuration as values.
import os from 'node:os';
import path from 'node:path';

export interface Environment {
  /** Where the CLI finds the API (`--server` wins over it). */
  server: string;
  /** Data directory default for `sluice server`. */
  dataDir: string;
  path: string;
  home: string;
  user: string;
  tmpDir: string;
  noColor: boolean;
  /** SLUICE_MASTER_KEY: base64 or hex of 32 bytes; when absent, <data>/master.key is used. */
  masterKey: string | undefined;
  /** SLUICE_PREVIOUS_MASTER_KEY: the key being rotated away from (its data keys are re-wrapped at start). */
  previousMasterKey: string | undefined;
  /** SLUICE_DATABASE: postgres://… (default: SQLite in the data directory). */
  database: string | undefined;
  /** SLUICE_TOKEN: the API token the CLI sends (`--token` wins over it; `sluice login` is the fallback). */
  token: string | undefined;
  /** Where `sluice login` keeps credentials: $XDG_CONFIG_HOME/sluice or ~/.config/sluice. */
  configDir: string;
  /**
   * The OpenTelemetry variables that are set (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, …),
   * raw; src/tracing/tracing-config.ts reads them. Empty: tracing is off.
   */
  otel: Readonly<Record<string, string>>;
}

/** The environment a child process of Sluice's own (the data plane) inherits. Steps and instances never get it. */
export function ownChildEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    server: env.SLUICE_SERVER || 'http://127.0.0.1:7070',
    dataDir: env.SLUICE_DATA || path.resolve('.sluice'),
    path: env.PATH || '/usr/local/bin:/usr/bin:/bin',
    home: env.HOME || os.homedir(),
    user: env.SLUICE_USER || env.USER || os.userInfo().username,
    tmpDir: env.TMPDIR || os.tmpdir(),
    noColor: Boolean(env.NO_COLOR) || env.FORCE_COLOR === '0',
    masterKey: env.SLUICE_MASTER_KEY || undefined,
    previousMasterKey: env.SLUICE_PREVIOUS_MASTER_KEY || undefined,
    database: env.SLUICE_DATABASE || undefined,
    token: env.SLUICE_TOKEN || undefined,
    configDir: path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'sluice'),
    otel: otelVariables(env),
  };
}

/** Every non-empty OTEL_* variable (an empty one counts as unset, as the specification says). */
function otelVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('OTEL_') && v) out[k] = v;
  return out;
}
