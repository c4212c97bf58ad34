// A simulated Kubernetes API server for tests: real HTTP and JSON, as the API speaks, for the
// endpoints the Kubernetes runtime uses, with a simulated Deployment controller and kubelet
// (fake-deployment-controller.ts). Every behaviour cites the documentation it follows, so the
// driver is held to Kubernetes' semantics rather than to this file's. What it does not simulate
// is written in docs/decisions/0049-kubernetes-runtime.md.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ApiError, FakeObjectStore, matchesSelector, metaOf, RESOURCE_TYPES, type ResourceType, type StoredEvent } from './fake-object-store.ts';
import { ApplyConflictError, recordUpdate, serverSideApply, str, type JsonObject } from './server-side-apply.ts';
import { FakeDeploymentController, type ControllerOptions } from './fake-deployment-controller.ts';

export interface FakeApiServerOptions extends ControllerOptions {
  /** Events kept for watches; older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** Bookmark period for watches that ask for them (allowWatchBookmarks). */
  bookmarkMs?: number;
}

interface Route {
  type: ResourceType;
  namespace: string | null;
  name: string | null;
  subresource: string | null;
}

export class FakeApiServer {
  readonly store: FakeObjectStore;
  readonly controller: FakeDeploymentController;
  readonly requests: Array<{ method: string; path: string; query: string; contentType: string | null; fieldManager: string | null }> = [];
  readonly #server: http.Server;
  readonly #bookmarkMs: number;
  readonly #watches = new Set<http.ServerResponse>();
  #held: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(options: FakeApiServerOptions = {}) {
    this.store = new FakeObjectStore(options.historyLimit);
    this.#bookmarkMs = options.bookmarkMs ?? 1000;
    this.controller = new FakeDeploymentController(this.store, options);
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML) pointing at this server. */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: sim, cluster: { server: "' + this.url + '", insecure-skip-tls-verify: true } }]',
      'users: [{ name: sim, user: { token: simulated } }]',
      'contexts: [{ name: sim, context: { cluster: sim, user: sim } }]',
      'current-context: sim',
      '',
    ].join('\n');
  }

  /** New watches wait (their requests hang) until releaseWatches: a client that falls behind meanwhile. */
  holdWatches(): void {
    if (this.#held) return;
    let resolve = (): void => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.#held = { promise, resolve };
  }

  releaseWatches(): void {
    this.#held?.resolve();
    this.#held = null;
  }

  /** Ends every watch at once, as an API server restart does; clients must re-establish them. */
  dropWatches(): void {
    for (const res of this.#watches) res.destroy();
    this.#watches.clear();
  }

  async close(): Promise<void> {
    this.releaseWatches();
    this.controller.stop();
    this.dropWatches();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const contentType = req.headers['content-type']?.split(';')[0]?.trim() ?? null;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, contentType, fieldManager: url.searchParams.get('fieldManager') });
    try {
      const body = await readBody(req);
      const discovery = this.#discovery(url.pathname);
      if (discovery) return send(res, 200, discovery);
      const route = parseRoute(url.pathname);
      if (!route) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      await this.#serve(req.method ?? 'GET', route, url.searchParams, body, contentType, res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ApplyConflictError) return sendStatus(res, 409, 'Conflict', error.message, { causes: error.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })) });
      if (error instanceof ApiError) return sendStatus(res, error.code, error.reason, error.message);
      sendStatus(res, 500, 'InternalError', error instanceof Error ? error.message : str(error));
    }
  }

  /** Discovery: which resources a group version serves (APIResourceList), as client-node's KubernetesObjectApi asks. https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api */
  #discovery(path: string): JsonObject | null {
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') && path.split('/').length === 4 ? path.slice('/apis/'.length) : null;
    if (!gv) return null;
    const types = RESOURCE_TYPES.filter((t) => (t.group ? `${t.group}/${t.version}` : t.version) === gv);
    if (types.length === 0) return null;
    const resources = types.flatMap((t) => [
      { name: t.resource, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
      ...t.subresources.map((s) => ({ name: `${t.resource}/${s}`, singularName: '', namespaced: t.namespaced, kind: s === 'log' ? 'Pod' : t.kind, verbs: s === 'log' ? ['get'] : ['get', 'patch', 'update'] })),
    ]);
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }

  async #serve(method: string, route: Route, query: URLSearchParams, body: string, contentType: string | null, res: http.ServerResponse): Promise<void> {
    const { type } = route;
    const ns = route.namespace ?? '';
    const now = new Date().toISOString();
    if (route.name === null) {
      if (method === 'GET' && query.get('watch') === 'true') {
        if (this.#held) await this.#held.promise;
        return this.#watch(type, route.namespace, query, res);
      }
      if (method === 'GET') {
        // A list carries the store's resourceVersion: a watch from it misses nothing. https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
        const items = this.store.list(type.resource, route.namespace, query.get('labelSelector')).map((o) => withKind(o, type));
        return send(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: str(this.store.resourceVersion) }, items });
      }
      if (method === 'POST') {
        const obj = JSON.parse(body) as JsonObject;
        if (type.namespaced) metaOf(obj).namespace = ns;
        delete obj.status; // status is written through the status subresource only
        recordUpdate(null, obj, query.get('fieldManager') ?? 'unknown', now);
        return send(res, 201, withKind(this.#created(type, obj), type));
      }
      throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed on a collection`);
    }
    const live = this.store.get(type.resource, ns, route.name);
    if (route.subresource === 'log') return this.#log(ns, route.name, query, res);
    if (method === 'GET') {
      if (!live) throw new ApiError(404, 'NotFound', `${type.resource} "${route.name}" not found`);
      return send(res, 200, withKind(live, type));
    }
    if (method === 'DELETE') return send(res, 200, withKind(this.#delete(type, ns, route.name), type));
    if (method === 'PUT') {
      const obj = JSON.parse(body) as JsonObject;
      if (!live) throw new ApiError(404, 'NotFound', `${type.resource} "${route.name}" not found`);
      // Status subresource: a PUT to /status changes only status; a PUT to the object ignores status.
      // https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/#status-subresource (same rule for built-in kinds)
      const next: JsonObject = route.subresource === 'status' ? { ...live, status: obj.status ?? null, metadata: { ...metaOf(live), resourceVersion: metaOf(obj).resourceVersion ?? null } } : { ...obj, status: live.status ?? null };
      recordUpdate(live, next, query.get('fieldManager') ?? 'unknown', now, route.subresource === 'status' ? 'status' : undefined);
      return send(res, 200, withKind(this.store.update(type.resource, next, { checkVersion: true }), type));
    }
    if (method === 'PATCH') {
      if (contentType === 'application/apply-patch+yaml') {
        // Server-side apply: fieldManager is required; the body may be YAML or JSON. https://kubernetes.io/docs/reference/using-api/server-side-apply/
        const manager = query.get('fieldManager');
        if (!manager) throw new ApiError(400, 'BadRequest', 'PATCH with apply requires fieldManager');
        const config = parseApplyBody(body);
        if (metaOf(config)?.name !== route.name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name in the URL');
        if (route.subresource !== null) throw new ApiError(405, 'MethodNotAllowed', 'the simulation applies to objects only, not to their subresources');
        const applied = serverSideApply(live, config, manager, query.get('force') === 'true', now);
        // status belongs to the status subresource
        if (live?.status) applied.status = live.status;
        else delete applied.status;
        if (type.namespaced) metaOf(applied).namespace = ns;
        metaOf(applied).name = route.name;
        if (!live) return send(res, 201, withKind(this.#created(type, applied), type));
        // An apply that names a resourceVersion is checked like an update. https://kubernetes.io/docs/reference/using-api/server-side-apply/#using-server-side-apply-in-a-controller
        const pinned = metaOf(config).resourceVersion;
        metaOf(applied).resourceVersion = typeof pinned === 'string' ? pinned : metaOf(live).resourceVersion ?? null;
        return send(res, 200, withKind(this.store.update(type.resource, applied, { checkVersion: true }), type));
      }
      if (contentType === 'application/merge-patch+json') {
        // JSON merge patch (RFC 7386).
        if (!live) throw new ApiError(404, 'NotFound', `${type.resource} "${route.name}" not found`);
        const next = mergePatch(live, JSON.parse(body) as JsonObject) as JsonObject;
        recordUpdate(live, next, query.get('fieldManager') ?? 'unknown', now);
        return send(res, 200, withKind(this.store.update(type.resource, next, { checkVersion: true }), type));
      }
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType ?? 'none'}`);
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed`);
  }

  #created(type: ResourceType, obj: JsonObject): JsonObject {
    const meta = metaOf(obj);
    if (type.namespaced && !this.store.get('namespaces', '', str(meta.namespace))) {
      throw new ApiError(404, 'NotFound', `namespaces "${str(meta.namespace)}" not found`);
    }
    return this.store.create(type.resource, obj);
  }

  /**
   * Deleting: pods end gracefully (deletionTimestamp, then gone), everything else goes at once.
   * Dependents named by ownerReferences go with their owner (background cascading deletion), and
   * a namespace takes its objects with it.
   * https://kubernetes.io/docs/concepts/architecture/garbage-collection/#background-deletion
   */
  #delete(type: ResourceType, ns: string, name: string): JsonObject {
    if (type.resource === 'pods') return this.controller.deletePod(ns, name);
    const gone = this.store.remove(type.resource, ns, name);
    this.controller.collectGarbage(type.resource === 'namespaces' ? { namespace: name } : { ownerUid: str(metaOf(gone).uid) });
    return gone;
  }

  /**
   * Watches: JSON lines of {type, object}. From resourceVersion N: every change after N; from an
   * unset or "0" version: ADDED for what exists, then changes. A version older than the kept
   * history is answered with an ERROR event carrying 410 Gone ("Expired"), and the client re-lists.
   * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
   * Bookmarks (allowWatchBookmarks=true): BOOKMARK events with only metadata.resourceVersion.
   * https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks
   */
  #watch(type: ResourceType, namespace: string | null, query: URLSearchParams, res: http.ServerResponse): void {
    const selector = query.get('labelSelector');
    const fromText = query.get('resourceVersion') ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Events of one tick go out in one write (corked), as a busy API server's do.
    let corked = false;
    const write = (type2: string, object: JsonObject): void => {
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      }
      res.write(`${JSON.stringify({ type: type2, object })}\n`);
    };
    const from = fromText === '' || fromText === '0' ? null : Number(fromText);
    if (from !== null && (Number.isNaN(from) || from < this.store.compactedThrough)) {
      write('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${fromText} (${this.store.compactedThrough})`, reason: 'Expired', code: 410 });
      res.end();
      return;
    }
    const matches = (e: StoredEvent): boolean =>
      e.resource === type.resource && (namespace === null || (metaOf(e.object).namespace ?? '') === namespace) && matchesSelector(metaOf(e.object).labels as Record<string, string> | undefined, selector);
    if (from === null) for (const o of this.store.list(type.resource, namespace, selector)) write('ADDED', withKind(o, type));
    else for (const e of this.store.eventsSince(from)) if (matches(e)) write(e.type, withKind(e.object, type));
    const off = this.store.onEvent((e) => {
      if (matches(e)) write(e.type, withKind(structuredClone(e.object), type));
    });
    const bookmarks = query.get('allowWatchBookmarks') === 'true'
      ? setInterval(() => write('BOOKMARK', { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: str(this.store.resourceVersion) } }), this.#bookmarkMs)
      : null;
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
    const timeout = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : null;
    this.#watches.add(res);
    res.on('close', () => {
      off();
      if (bookmarks) clearInterval(bookmarks);
      if (timeout) clearTimeout(timeout);
      this.#watches.delete(res);
    });
  }

  /** Pod logs as text/plain lines; timestamps=true prefixes each with its RFC 3339 time; sinceTime or sinceSeconds keeps the later ones. https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#read-log-of-the-specified-pod */
  #log(ns: string, name: string, query: URLSearchParams, res: http.ServerResponse): void {
    const lines = this.controller.logsOf(ns, name);
    if (!lines) throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
    const since = query.get('sinceTime');
    const sinceSeconds = query.get('sinceSeconds');
    const sinceMs = since ? Date.parse(since) : sinceSeconds ? Date.now() - Number(sinceSeconds) * 1000 : -Infinity;
    const timestamps = query.get('timestamps') === 'true';
    const text = lines.filter((l) => Date.parse(l.at) >= sinceMs).map((l) => `${timestamps ? `${l.at} ` : ''}${l.line}\n`).join('');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(text);
  }
}

function parseRoute(pathname: string): Route | null {
  const parts = pathname.split('/').filter(Boolean);
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) [version, rest] = [parts[1], parts.slice(2)];
  else if (parts[0] === 'apis' && parts[1] && parts[2]) [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return null;
  let namespace: string | null = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === rest[0]);
  if (!type) return null;
  if (type.namespaced !== (namespace !== null) && rest.length > 1) return null;
  return { type, namespace, name: rest[1] ?? null, subresource: rest[2] ?? null };
}

const apiVersionOf = (t: ResourceType): string => (t.group ? `${t.group}/${t.version}` : t.version);
const withKind = (o: JsonObject, t: ResourceType): JsonObject => ({ ...o, apiVersion: apiVersionOf(t), kind: t.kind });

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** An apply body is YAML; JSON (what client-node sends) is YAML too, and JSON.parse reads it faster. */
function parseApplyBody(body: string): JsonObject {
  try {
    return JSON.parse(body) as JsonObject;
  } catch {
    return parseYaml(body) as JsonObject;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: http.ServerResponse, code: number, body: JsonObject): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Errors are Status objects with a reason and the HTTP code. https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind */
function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string, details?: JsonObject): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });
}
