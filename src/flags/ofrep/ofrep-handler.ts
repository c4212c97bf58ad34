// The OFREP 0.3 endpoints over node:http (service/openapi.yaml of open-feature/protocol):
//   POST /ofrep/v1/evaluate/flags/{key}   one flag: 200, or 400/404 with an evaluationFailure
//   POST /ofrep/v1/evaluate/flags         every flag the key may see: 200 with an ETag, 304 on If-None-Match
// Keys (flag-keys.ts) come as `Authorization: Bearer` or `X-API-Key`: none or unknown → 401, a key of
// another environment than the host's → 403, past the per-key rate → 429 with Retry-After.
// A key that passed is remembered (verified-keys.ts): the next request with it skips the hash.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FailureLimiter } from '../../auth/failure-limiter.ts';
import { contextDepthProblem, maxContextBytes } from '../context-limits.ts';
import type { EnvironmentEvaluator } from '../environment-evaluator.ts';
import type { EvaluationContext } from '../flag-evaluator.ts';
import { flagKeyMatches, parseFlagKey, type FlagKeyHashes, type FlagKeyScope } from './flag-keys.ts';
import { VerifiedKeys } from './verified-keys.ts';
import { ofrepEvaluation, ofrepStatus } from './ofrep-response.ts';

/** One environment as the data plane serves it. */
export interface ServedFlags {
  evaluator: EnvironmentEvaluator;
  keys: FlagKeyHashes;
}

export interface OfrepHandlerOptions {
  lookup: (project: string, environment: string) => ServedFlags | undefined;
  /** Requests per key per window (FailureLimiter counts every request here). */
  limiter: FailureLimiter;
  now?: () => number;
}

/** Where a request comes from: the loopback port (any environment's key), or an environment's own host through the router. */
export interface OfrepRequestScope {
  /** The host's environment: a key of another one is refused with 403. */
  environment?: { project: string; environment: string };
  /** An allowed cross-origin caller (one of the environment's other hosts): CORS headers are added. */
  corsOrigin?: string | null;
}

export const ofrepPrefix = '/ofrep/v1/evaluate/flags';
/** Past this, the body is not even read to its end. */
const hardBodyLimit = 4 * 1024 * 1024;
const noHeaders: Record<string, string> = Object.freeze({});

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = noHeaders): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  // A flat [name, value, …] list: Node takes it as is, without walking an object per answer.
  const raw: string[] = [];
  for (const name in headers) raw.push(name, headers[name]!);
  if (text) raw.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(text)));
  res.writeHead(status, raw);
  res.end(text);
}

function bearer(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : null;
  }
  const api = req.headers['x-api-key'];
  return typeof api === 'string' && api !== '' ? api : null;
}

function corsHeaders(origin: string | null | undefined): Record<string, string> {
  if (!origin) return noHeaders;
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'ETag, Retry-After' };
}

type Body = { ok: true; context: EvaluationContext } | { ok: false; code: 'PARSE_ERROR' | 'INVALID_CONTEXT'; details: string };

/**
 * The body, collected by events and handed to `done` (no promise: on one keep-alive connection
 * the answer's latency is the throughput, and a stream's async iterator or a promise per request
 * costs more than the evaluation itself).
 */
function readContext(req: IncomingMessage, done: (body: Body) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done(parseContext(chunks, size));
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > hardBodyLimit) {
      req.destroy();
      finish();
      return;
    }
    if (size <= maxContextBytes) chunks.push(chunk);
  });
  req.once('end', finish);
  req.once('error', () => {
    finished = true;
  });
}

function parseContext(chunks: Buffer[], size: number): Body {
  if (size > maxContextBytes) return { ok: false, code: 'INVALID_CONTEXT', details: `the request body is over ${maxContextBytes / 1024} KiB` };
  let parsed: unknown;
  try {
    parsed = size === 0 ? {} : JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'PARSE_ERROR', details: `the request body is not JSON: ${(error as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, code: 'PARSE_ERROR', details: 'the request body is not a JSON object' };
  const context = (parsed as { context?: unknown }).context ?? {};
  if (context === null || typeof context !== 'object' || Array.isArray(context)) return { ok: false, code: 'INVALID_CONTEXT', details: 'context is not an object' };
  const deep = contextDepthProblem(context);
  if (deep) return { ok: false, code: 'INVALID_CONTEXT', details: deep };
  const targetingKey = (context as { targetingKey?: unknown }).targetingKey;
  if (targetingKey !== undefined && typeof targetingKey !== 'string') return { ok: false, code: 'INVALID_CONTEXT', details: 'targetingKey is not a string' };
  return { ok: true, context: context as EvaluationContext };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === '*' || v === etag;
  });
}

export function createOfrepHandler(opts: OfrepHandlerOptions): (req: IncomingMessage, res: ServerResponse, path: string, scope?: OfrepRequestScope) => void {
  const now = opts.now ?? Date.now;
  const verified = new VerifiedKeys<ServedFlags>();
  const servedOf = (key: FlagKeyScope): ServedFlags | undefined => opts.lookup(key.project, key.environment);

  const authenticate = (req: IncomingMessage, scope: OfrepRequestScope): { status: number; details: string } | { key: FlagKeyScope; served: ServedFlags; token: string } => {
    const token = bearer(req);
    if (token === null) return { status: 401, details: 'no key: send the environment’s flag key as Authorization: Bearer KEY or X-API-Key' };
    let entry = verified.get(token, servedOf);
    if (entry === undefined) {
      const key = parseFlagKey(token);
      const served = key && servedOf(key);
      if (!key || !served || !flagKeyMatches(token, served.keys[key.kind])) return { status: 401, details: 'unknown flag key' };
      entry = { key, served };
      verified.set(token, entry);
    }
    const { key, served } = entry;
    const env = scope.environment;
    if (env && (env.project !== key.project || env.environment !== key.environment)) {
      return { status: 403, details: `this key belongs to ${key.project}/${key.environment}, not to this host's environment` };
    }
    return { key, served, token };
  };

  return function handleOfrep(req, res, path, scope = {}): void {
    const cors = corsHeaders(scope.corsOrigin);
    if (req.method === 'OPTIONS' && scope.corsOrigin) {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Authorization, Content-Type, X-API-Key, If-None-Match', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    const single = path.startsWith(`${ofrepPrefix}/`);
    if (!single && path !== ofrepPrefix) {
      send(res, 404, { errorDetails: `no OFREP endpoint ${path.slice(0, 200)}` }, cors);
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { errorDetails: 'OFREP evaluation is POST' }, { ...cors, allow: 'POST' });
      return;
    }
    const auth = authenticate(req, scope);
    if ('status' in auth) {
      req.resume();
      send(res, auth.status, { errorDetails: auth.details }, auth.status === 401 ? { ...cors, 'www-authenticate': 'Bearer' } : cors);
      return;
    }
    const t = now();
    const limited = opts.limiter.fail(auth.token, t);
    if (limited.retryAfterMs > 0) {
      req.resume();
      send(res, 429, { errorDetails: 'too many evaluations with this key' }, { ...cors, 'retry-after': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))) });
      return;
    }
    let flagKey = '';
    if (single) {
      try {
        flagKey = decodeURIComponent(path.slice(ofrepPrefix.length + 1));
      } catch {
        flagKey = path.slice(ofrepPrefix.length + 1);
      }
    }
    readContext(req, (body) => {
      try {
        const { evaluator } = auth.served;
        const clientOnly = auth.key.kind === 'client' ? evaluator.clientFlags : undefined;
        if (!body.ok) {
          send(res, 400, single ? { key: flagKey, errorCode: body.code, errorDetails: body.details } : { errorCode: body.code, errorDetails: body.details }, cors);
          return;
        }
        if (single) {
          if (clientOnly && !clientOnly.has(flagKey)) {
            send(res, 404, { key: flagKey, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag '${flagKey}' not found for a client key (not marked client: true)` }, cors);
            return;
          }
          const e = evaluator.evaluate(flagKey, body.context);
          send(res, ofrepStatus(e), ofrepEvaluation(e), cors);
          return;
        }
        const digest = createHash('sha256').update(JSON.stringify(body.context)).digest('base64url').slice(0, 22);
        const etag = `"${evaluator.version}.${auth.key.kind}.${digest}"`;
        if (etagMatches(req.headers['if-none-match'], etag)) {
          send(res, 304, undefined, { ...cors, etag });
          return;
        }
        const flags = evaluator.evaluateAll(body.context, clientOnly).map(ofrepEvaluation);
        send(res, 200, { flags, metadata: { version: evaluator.version } }, { ...cors, etag, 'cache-control': 'no-cache' });
      } catch (error) {
        if (!res.headersSent && !res.destroyed) send(res, 500, { errorDetails: `evaluation failed: ${(error as Error).message}` }, cors);
      }
    });
  };
}
