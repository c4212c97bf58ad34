// Small readers over headers and an untyped JSON payload. Every missing or mistyped field becomes
// a HookPayloadError naming the field, so a 400 says exactly what was wrong.
import { HookPayloadError } from './hook-errors.ts';
import type { GitHost, HookEvent, HookRequest } from './hook-types.ts';

export const ZERO_SHA = '0'.repeat(40);

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ANY_SHA = /^[0-9a-f]{7,64}$/;

/** First value of a header, null when absent or empty. */
export function header(req: HookRequest, name: string): string | null {
  const raw = req.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value.trim() === '' ? null : value.trim();
}

export function firstHeader(req: HookRequest, names: readonly string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = header(req, name);
    if (value !== null) return { name, value };
  }
  return null;
}

/** JSON object from the body; GitHub and Gitea may also post it form-encoded as `payload=`. */
export function parseJsonBody(host: GitHost, req: HookRequest, allowForm: boolean): unknown {
  let text = req.body.toString('utf8');
  const contentType = header(req, 'content-type')?.toLowerCase() ?? '';
  if (allowForm && contentType.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new HookPayloadError(host, 'form-encoded body has no "payload" field');
    text = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HookPayloadError(host, `body is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HookPayloadError(host, 'body is not a JSON object');
  return parsed;
}

/** The value at a dotted path (numbers index arrays), undefined when any step is missing. */
export function at(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    if (Array.isArray(value)) value = /^\d+$/.test(key) ? (value as unknown[])[Number(key)] : undefined;
    else if (value !== null && typeof value === 'object') value = (value as Record<string, unknown>)[key];
    else return undefined;
  }
  return value;
}

export class PayloadReader {
  readonly host: GitHost;
  readonly root: unknown;

  constructor(
    host: GitHost,
    root: unknown,
  ) {
    this.host = host;
    this.root = root;
  }

  fail(reason: string): never {
    throw new HookPayloadError(this.host, reason);
  }

  string(path: string): string {
    const value = at(this.root, path);
    if (typeof value !== 'string' || value === '') this.fail(`missing string field "${path}"`);
    return value;
  }

  optionalString(path: string): string | null {
    const value = at(this.root, path);
    return typeof value === 'string' && value !== '' ? value : null;
  }

  positiveInt(path: string): number {
    const value = at(this.root, path);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) this.fail(`missing positive integer field "${path}"`);
    return value;
  }

  /** A commit id; full (40 or 64 hex) unless `short` allows abbreviated hashes (Bitbucket). */
  sha(path: string, opts: { short?: boolean } = {}): string {
    const value = this.string(path).toLowerCase();
    if (!(opts.short === true ? ANY_SHA : FULL_SHA).test(value)) this.fail(`field "${path}" is not a commit id: ${JSON.stringify(value)}`);
    return value;
  }

  bool(path: string): boolean {
    return at(this.root, path) === true;
  }
}

export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/** Union of commits[].added/modified/removed, first-seen order, no duplicates. */
export function changedPaths(commits: unknown): string[] {
  const paths = new Set<string>();
  if (!Array.isArray(commits)) return [];
  for (const commit of commits) {
    for (const field of ['added', 'modified', 'removed']) {
      const list = at(commit, field);
      if (!Array.isArray(list)) continue;
      for (const path of list) if (typeof path === 'string' && path !== '') paths.add(path);
    }
  }
  return [...paths];
}

/** A push event from a full ref name, or an ignored event for refs that are neither branch nor tag. */
export function pushEvent(ref: string, after: string, deleted: boolean, paths: string[]): HookEvent {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null;
  if ((branch ?? tag ?? '') === '') return ignored(`push to ${JSON.stringify(ref)} is neither a branch nor a tag`);
  return { kind: 'push', branch, tag, after: deleted ? ZERO_SHA : after, deleted, changedPaths: deleted ? [] : paths };
}

export function ignored(reason: string): HookEvent {
  return { kind: 'ignored', reason };
}

export function eventNotHandled(event: string): HookEvent {
  return ignored(`event ${JSON.stringify(event)} is not handled`);
}

/** Two repository identities differ, or one is missing: treat the head as a fork (no secrets). */
export function differs(head: unknown, base: unknown): boolean {
  if (head === undefined || head === null || base === undefined || base === null) return true;
  return head !== base;
}
