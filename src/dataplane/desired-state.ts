// The data plane's desired state, kept on disk so that the data plane itself can restart
// and restore its instances and routes without the control plane.
import fs from 'node:fs';
import { z } from 'zod';
import { writeFileDurable } from '../fs/write-file-durable.ts';
import type { DesiredRoute } from '../router/router.ts';
import type { InstanceSpec } from '../runtime/process/types.ts';
import { checkStoredCertificate, checkStoredInstance, checkStoredRoute, type StoredCertificate } from './wire-schema.ts';

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
  /**
   * The router's certificates by id, keys sealed. Derived state: the control plane pushes them
   * again from its store (which `sluice backup` covers); kept here so HTTPS survives a data-plane
   * restart while the control plane is down.
   */
  certificates: Record<string, StoredCertificate>;
}

const fileSchema = z.object({
  instances: z.record(z.string(), z.unknown()).catch({}),
  routes: z.record(z.string(), z.unknown()).catch({}),
  pids: z.record(z.string(), z.unknown()).catch({}),
  sleeping: z.record(z.string(), z.unknown()).catch({}),
  certificates: z.record(z.string(), z.unknown()).catch({}),
});

function empty(): DesiredState {
  return { instances: {}, routes: {}, pids: {}, sleeping: {}, certificates: {} };
}

/**
 * Reads the state back entry by entry: an entry that no longer validates is skipped with an
 * error line naming it, and the rest is kept (one bad project must not stop the others).
 */
export function loadDesiredState(file: string, log: (line: string) => void = () => {}): DesiredState {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`error: data-plane state ${file} is unreadable, starting empty: ${(error as Error).message}`);
    return empty();
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    log(`error: data-plane state ${file} is not an object, starting empty`);
    return empty();
  }
  const state = empty();
  for (const [id, value] of Object.entries(parsed.data.instances)) {
    const checked = checkStoredInstance(value);
    if ('error' in checked) log(`error: skipping instance ${JSON.stringify(id)} of the data-plane state: ${checked.error}`);
    else if (checked.spec.id !== id) log(`error: skipping instance ${JSON.stringify(id)} of the data-plane state: its id is ${JSON.stringify(checked.spec.id)}`);
    else state.instances[id] = checked.spec;
  }
  for (const [host, value] of Object.entries(parsed.data.routes)) {
    const checked = checkStoredRoute(value);
    if ('error' in checked) log(`error: skipping route ${JSON.stringify(host)} of the data-plane state: ${checked.error}`);
    else state.routes[host] = checked.route;
  }
  for (const [id, value] of Object.entries(parsed.data.certificates)) {
    const checked = checkStoredCertificate(value);
    if ('error' in checked) log(`error: skipping certificate ${JSON.stringify(id)} of the data-plane state: ${checked.error}`);
    else state.certificates[id] = checked.certificate;
  }
  for (const [id, pid] of Object.entries(parsed.data.pids)) {
    if (typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1) state.pids[id] = pid;
  }
  // A sleeping mark without its spec means nothing (the instance was deleted).
  for (const [id, since] of Object.entries(parsed.data.sleeping)) {
    if (typeof since === 'string' && state.instances[id]) state.sleeping[id] = since;
  }
  return state;
}

/** Temp file, fsync, rename, directory fsync: a crash never leaves half a state, nor loses a saved one. */
export function saveDesiredState(file: string, state: DesiredState): void {
  writeFileDurable(file, JSON.stringify(state), { mode: 0o600 });
}
