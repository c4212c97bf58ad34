// The data plane's desired state, kept on disk so that the data plane itself can restart
// and restore its instances and routes without the control plane.
import fs from 'node:fs';
import { writeFileDurable } from '../fs/write-file-durable.ts';
import type { DesiredRoute } from '../router/router.ts';
import type { InstanceSpec } from '../runtime/process/types.ts';

export interface DesiredState {
  instances: Record<string, InstanceSpec>;
  routes: Record<string, DesiredRoute>;
  /** Process groups of running instances, so a restarted data plane can end what a crashed one left. */
  pids: Record<string, number>;
  /**
   * Instances scaled to zero: id → when they went to sleep. Their specs stay in `instances`,
   * but no process runs and a restarted data plane does not start them (a request wakes them).
   */
  sleeping: Record<string, string>;
}

export function loadDesiredState(file: string): DesiredState {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DesiredState>;
    const instances = parsed.instances ?? {};
    // A sleeping mark without its spec means nothing (the instance was deleted).
    const sleeping = Object.fromEntries(Object.entries(parsed.sleeping ?? {}).filter(([id]) => instances[id]));
    return { instances, routes: parsed.routes ?? {}, pids: parsed.pids ?? {}, sleeping };
  } catch {
    return { instances: {}, routes: {}, pids: {}, sleeping: {} };
  }
}

/** Temp file, fsync, rename, directory fsync: a crash never leaves half a state, nor loses a saved one. */
export function saveDesiredState(file: string, state: DesiredState): void {
  writeFileDurable(file, JSON.stringify(state), { mode: 0o600 });
}
