import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { logAccess } from './access-log.ts';
import { BodyRelay } from './body-relay.ts';
import type { CompiledBackend, CompiledRoute, CompiledTarget } from './compiled-route.ts';
import { pickRetry } from './compiled-route.ts';
import { downstreamHeaders, isSecure } from './proxy-headers.ts';
import { sendPlain } from './plain-response.ts';
import { appendSetCookie } from './sticky-cookie.ts';
import type { Attribution } from './variant-attribution.ts';

const maxTries = 3;
const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Errors that mean the target could not be reached or dropped the connection before answering. */
const connectFailureCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH',
  'EADDRNOTAVAIL', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
]);
/** The pool was closed by a table swap under a retrying request: try elsewhere, the target did nothing wrong. */
const poolGoneCodes = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

const noop = (): void => {};

/**
 * One client request proxied to a target: an undici dispatch handler that streams the
 * response straight into the client's ServerResponse (with backpressure both ways) and
 * retries on another target when a connection fails before any response byte.
 */
export class ProxyExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private done = false;
  private tries = 1;
  private tried: CompiledTarget[] | undefined;
  private relay: BodyRelay | undefined;
  private awaitingDrain = false;
  /** Response body bytes passed to the client (the access log's size field). */
  private bytes = 0;

  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly route: CompiledRoute;
  private backend: CompiledBackend;
  private target: CompiledTarget;
  private readonly pinned: boolean;
  /** Sticky route: the cookie value the request carried (undefined: none); null: no cookie to manage. */
  private readonly stickyFrom: string | null | undefined;
  private readonly headers: string[];
  private readonly withBody: boolean;
  private readonly started: number;
  /** Variant attribution of the request (a route with a flag scope whose environment has flags); null otherwise. */
  private readonly attribution: Attribution | null;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    backend: CompiledBackend,
    target: CompiledTarget,
    pinned: boolean,
    stickyFrom: string | null | undefined,
    headers: string[],
    withBody: boolean,
    started: number,
    attribution: Attribution | null = null,
  ) {
    this.req = req;
    this.res = res;
    this.route = route;
    this.backend = backend;
    this.target = target;
    this.pinned = pinned;
    this.stickyFrom = stickyFrom;
    this.headers = headers;
    this.withBody = withBody;
    this.started = started;
    this.attribution = attribution;
    route.activity.open++;
    res.on('close', this.onClientClose);
    res.on('error', noop);
    if (withBody) req.on('error', noop);
  }

  start(): void {
    if (this.withBody) {
      this.relay?.destroy(); // a failed attempt's relay must let go of the request first
      this.relay = new BodyRelay(this.req);
    }
    this.target.pool.dispatch(
      { path: this.req.url!, method: this.req.method!, headers: this.headers, body: this.relay ?? null },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('client went away'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200 || this.done) return; // 1xx informational: wait for the final response
    this.status = statusCode;
    try {
      const out = downstreamHeaders(headers);
      // The release that answered is not the one the cookie names (none, gone, or a retry moved on): stick to this one.
      const sticky = this.backend.sticky;
      if (this.stickyFrom !== null && sticky && this.stickyFrom !== sticky.value) appendSetCookie(out, sticky.setCookie);
      if (this.attribution?.setCookie !== undefined) appendSetCookie(out, this.attribution.setCookie);
      // HSTS only over HTTPS (RFC 6797 §7.2: a browser ignores it over plain HTTP anyway).
      if (this.route.hsts && isSecure(this.req)) out['strict-transport-security'] = this.route.hsts;
      // HTTP/2 has no reason phrase.
      if (statusMessage && this.req.httpVersionMajor === 1) this.res.writeHead(statusCode, statusMessage, out);
      else this.res.writeHead(statusCode, out);
    } catch (error) {
      // Node refused something from the target (e.g. a header value): a bad gateway, not a crash.
      this.status = 0;
      controller.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    this.bytes += chunk.length;
    if (!this.res.write(chunk)) {
      controller.pause();
      if (!this.awaitingDrain) {
        this.awaitingDrain = true;
        this.res.once('drain', this.onDrain);
      }
    }
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.finish(this.status);
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return; // we aborted it because the client left
    if (this.res.destroyed || this.req.socket.destroyed) {
      // The client left (e.g. mid-upload) and took the upstream request down: not the release's fault.
      this.finish(this.status);
      return;
    }
    if (this.status !== 0) {
      // Broken mid-response: the client cannot be told anything else now.
      this.finish(502);
      this.res.destroy(error);
      return;
    }
    const code = errorCode(error);
    const poolGone = poolGoneCodes.has(code);
    if (connectFailureCodes.has(code) || poolGone) {
      if (!poolGone) {
        this.backend.stats.connectFailed();
        if (this.attribution) for (const s of this.attribution.stats) s.connectFailed();
      }
      if (this.retryAllowed()) {
        (this.tried ??= []).push(this.target);
        const next = pickRetry(this.route, this.backend, this.tried, this.pinned);
        if (next) {
          this.tries++;
          this.backend = next.backend;
          this.target = next.target;
          this.start();
          return;
        }
      }
      this.fail(502, `bad gateway: no instance of release ${this.backend.release} could be reached\n`);
    } else if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      this.fail(504, `gateway timeout: release ${this.backend.release} did not answer in time\n`);
    } else if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
      this.fail(400, 'bad request\n');
    } else {
      this.fail(502, `bad gateway: ${error.message}\n`);
    }
  }

  private retryAllowed(): boolean {
    if (this.tries >= maxTries) return false;
    if (!this.withBody) return true;
    return idempotentMethods.has(this.req.method!) && !(this.relay?.consumed ?? false);
  }

  private fail(status: number, body: string): void {
    this.bytes = Buffer.byteLength(body);
    this.finish(status);
    sendPlain(this.res, status, body);
  }

  private finish(status: number): void {
    this.done = true;
    this.route.activity.open--;
    const ms = performance.now() - this.started;
    this.backend.stats.record(status, ms);
    if (this.attribution) for (const s of this.attribution.stats) s.record(status, ms);
    logAccess(this.route.access, this.req, this.route.host, status, this.bytes, ms, this.target.id);
    // Drop whatever body the target did not read, so the client connection can be reused.
    if (this.withBody && !this.req.complete) {
      this.relay?.destroy();
      this.req.resume();
    }
  }

  private readonly onDrain = (): void => {
    this.awaitingDrain = false;
    this.controller?.resume();
  };

  private readonly onClientClose = (): void => {
    if (this.done) return;
    // The client left before the response ended: stop the upstream request.
    this.finish(this.status);
    this.controller?.abort(new Error('client went away'));
  };
}
