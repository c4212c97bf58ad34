// Server-side apply as the API server does it, for the simulated API server.
// https://kubernetes.io/docs/reference/using-api/server-side-apply/
// - "Field management": every field set by an apply belongs to its field manager, recorded in
//   metadata.managedFields as FieldsV1 ({"f:spec":{"f:replicas":{}}}).
// - "Conflicts": applying a value to a field another manager owns, with a different value, is a
//   409 Conflict naming the field and the manager, unless force=true, which takes the field over.
// - "Merge strategy": fields a manager applied before and leaves out now are removed when no other
//   manager owns them; maps (labels, annotations, nested objects) merge key by key.
// Simplification (stated in the decision): lists are atomic (x-kubernetes-list-type: atomic),
// where the real schemas merge some lists (containers, env) by key.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export class ApplyConflictError extends Error {
  readonly conflicts: Array<{ field: string; manager: string }>;
  constructor(conflicts: Array<{ field: string; manager: string }>) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('; ')}`);
    this.conflicts = conflicts;
  }
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Identity and server-owned fields are not managed (metadata.name, namespace, uid…; status belongs to the status subresource). */
const unmanagedTop = new Set(['apiVersion', 'kind', 'status']);
const unmanagedMeta = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'managedFields']);

/** The leaf paths an object sets (a path is a JSON array of keys). */
export function fieldPaths(obj: JsonObject, base: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (base.length === 0 && unmanagedTop.has(key)) continue;
    if (base.length === 1 && base[0] === 'metadata' && unmanagedMeta.has(key)) continue;
    const path = [...base, key];
    if (isObject(value) && Object.keys(value).length > 0) out.push(...fieldPaths(value, path));
    else out.push(path);
  }
  return out;
}

export function toFieldsV1(paths: string[][]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      const k = `f:${key}`;
      if (!isObject(node[k])) node[k] = {};
      node = node[k];
    }
  }
  return root;
}

export function fromFieldsV1(fields: JsonObject, base: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, sub] of Object.entries(fields)) {
    if (!k.startsWith('f:')) continue;
    const path = [...base, k.slice(2)];
    if (isObject(sub) && Object.keys(sub).length > 0) out.push(...fromFieldsV1(sub, path));
    else out.push(path);
  }
  return out;
}

const keyOf = (path: string[]): string => JSON.stringify(path);
const overlaps = (a: string[], b: string[]): boolean => a.length <= b.length ? a.every((k, i) => b[i] === k) : b.every((k, i) => a[i] === k);

export function getPath(obj: JsonObject, path: string[]): Json | undefined {
  let node: Json | undefined = obj;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function setPath(obj: JsonObject, path: string[], value: Json): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key];
  }
  node[path.at(-1)!] = structuredClone(value);
}

function deletePath(obj: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [];
  let node = obj;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) return;
    parents.push(node);
    node = node[key];
  }
  delete node[path.at(-1)!];
  // Maps emptied by the removal go too, as a merge leaves no empty parents behind.
  for (let i = path.length - 2; i >= 0; i--) {
    const parent = parents[i]!;
    const child = parent[path[i]!];
    if (isObject(child) && Object.keys(child).length === 0) delete parent[path[i]!];
    else break;
  }
}

/**
 * Applies `config` as `manager` onto `live` (null: the object does not exist yet). Returns the
 * merged object with its new managedFields; throws ApplyConflictError on conflicts without force.
 */
export function serverSideApply(live: JsonObject | null, config: JsonObject, manager: string, force: boolean, now: string): JsonObject {
  const current: JsonObject = live ? structuredClone(live) : {};
  const managed = ((getPath(current, ['metadata', 'managedFields']) as ManagedFieldsEntry[] | undefined) ?? []).map((e) => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  const applied = fieldPaths(config);
  const conflicts: Array<{ field: string; manager: string; path: string[] }> = [];
  for (const path of applied) {
    for (const other of managed) {
      if (other.manager === manager && other.operation === 'Apply') continue;
      if (other.subresource) continue; // status is a separate field set
      const owned = other.paths.find((p) => overlaps(p, path));
      if (owned && JSON.stringify(getPath(current, path)) !== JSON.stringify(getPath(config, path))) {
        conflicts.push({ field: `.${path.join('.')}`, manager: other.manager, path: owned });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflictError(conflicts);
  const previous = managed.find((e) => e.manager === manager && e.operation === 'Apply');
  const appliedKeys = new Set(applied.map(keyOf));
  // Fields this manager applied before and leaves out now: removed unless someone else owns them.
  for (const path of previous?.paths ?? []) {
    if (appliedKeys.has(keyOf(path)) || applied.some((p) => overlaps(p, path))) continue;
    const ownedElsewhere = managed.some((e) => e !== previous && e.paths.some((p) => overlaps(p, path)));
    if (!ownedElsewhere) deletePath(current, path);
  }
  for (const path of applied) setPath(current, path, getPath(config, path) ?? null);
  // Forced fields change owner; fields the manager applied are no longer another's.
  const entries: ManagedFieldsEntry[] = [];
  for (const e of managed) {
    if (e === previous) continue;
    const paths = e.subresource ? e.paths : e.paths.filter((p) => !applied.some((a) => overlaps(a, p)));
    if (paths.length > 0) entries.push({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(paths), ...(e.subresource ? { subresource: e.subresource } : {}) });
  }
  entries.push({ manager, operation: 'Apply', apiVersion: str(config.apiVersion ?? ''), time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(applied) });
  const metadata = (isObject(current.metadata) ? current.metadata : {});
  metadata.managedFields = entries as unknown as Json;
  current.metadata = metadata;
  current.apiVersion = config.apiVersion ?? current.apiVersion ?? null;
  current.kind = config.kind ?? current.kind ?? null;
  return current;
}

/** Records a non-apply write (PUT, or a status update) by `manager`: it owns the leaf fields it changed, besides those it owned. */
export function recordUpdate(before: JsonObject | null, after: JsonObject, manager: string, now: string, subresource?: 'status'): void {
  const status = after.status;
  const candidates = subresource === 'status' ? (isObject(status) ? fieldPaths(status, ['status']) : []) : fieldPaths(after);
  const changed = candidates.filter((p) => JSON.stringify(getPath(before ?? {}, p)) !== JSON.stringify(getPath(after, p)));
  const metadata = after.metadata as JsonObject;
  const all = (metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? [];
  const mine = all.find((e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource);
  const owned = new Map([...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed].map((p) => [keyOf(p), p]));
  const entries = all.filter((e) => e !== mine);
  if (owned.size > 0) entries.push({ manager, operation: 'Update', apiVersion: str(after.apiVersion ?? ''), time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1([...owned.values()]), ...(subresource ? { subresource } : {}) });
  metadata.managedFields = entries as unknown as Json;
}

/** Text of a JSON value read from an object (a name, a uid, a time): strings as they are, the rest as JSON. */
export function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
