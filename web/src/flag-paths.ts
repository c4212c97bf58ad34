// The Flags pages' URLs and the API paths behind them, and what every section of a flag's page gets.
import type { ApiClient } from './api-client.ts';

/** The props every section of a flag's page (rollout, history) takes. */
export interface FlagSectionProps {
  api: ApiClient;
  onError: (error: unknown) => boolean;
  project: string;
  environment: string;
  flagKey: string;
  /** Whether to show the controls that change something. */
  canChange: boolean;
  /** Called after a change made here: the page reads everything again. */
  onChanged: () => void;
}

export function envPath(project: string, environment: string): string {
  return `/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}`;
}

/** The dashboard's page of an environment's flags (or of one flag); the API path is the same under /api. */
export function flagsPath(project: string, environment: string, key?: string): string {
  return `${envPath(project, environment)}/flags${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;
}

export function flagsApi(project: string, environment: string, key?: string): string {
  return `/api${flagsPath(project, environment, key)}`;
}

/** `/projects/:name/environments/:env/flags[/:key]` → its parts, else null. */
export function matchFlagsPath(path: string): { project: string; environment: string; key: string | null } | null {
  const m = /^\/projects\/([^/]+)\/environments\/([^/]+)\/flags(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return null;
  try {
    return { project: decodeURIComponent(m[1]!), environment: decodeURIComponent(m[2]!), key: m[3] === undefined ? null : decodeURIComponent(m[3]) };
  } catch {
    return null; // a malformed %-escape: no such page
  }
}
