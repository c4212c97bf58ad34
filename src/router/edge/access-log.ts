// The router's access log: which requests are written (a sample per environment) and the line
// each one becomes. Pure, so the per-request cost is one comparison for a host without an access
// log and one Math.random() for a sampled one; the data plane spools the lines (never the store).
import type { IncomingMessage } from 'node:http';
import type { RouteAccessLog } from '../route-table.ts';

/** One logged request, as the router hands it to the data plane's spool. */
export interface AccessLine {
  /** Epoch milliseconds of the end of the exchange. */
  at: number;
  project: string;
  environment: string;
  service: string;
  /** The instance that answered; null when none could (503 without a ready instance). */
  instance: string | null;
  status: number;
  /** The text stored: see formatAccessLine. */
  line: string;
}

export interface AccessFacts {
  method: string;
  host: string;
  /** The request target as received (path and query). */
  path: string;
  httpVersion: string;
  /** 0 when the client left before any response: written as 499, as nginx does. */
  status: number;
  /** Response body bytes sent to the client. */
  bytes: number;
  durationMs: number;
  client: string | undefined;
}

/** Longer request targets are cut (a line is searchable text, not a request archive). */
export const maxAccessPathChars = 2048;

/** Whether this request is logged: `sample` 1 logs all, else a fresh draw. */
export function sampled(policy: Pick<RouteAccessLog, 'sample'>, random: () => number = Math.random): boolean {
  return policy.sample >= 1 || random() < policy.sample;
}

/** The status an access line shows: 499 for a client that left before the response began. */
export function accessStatus(status: number): number {
  return status === 0 ? 499 : status;
}

/**
 * Apache's vhost_common order without the identity, user and time fields (the entry has the
 * time), plus the duration: `HOST CLIENT "METHOD PATH HTTP/V" STATUS BYTES DURATIONms`, e.g.
 * `shop.localhost 127.0.0.1 "GET /cart?id=4 HTTP/1.1" 200 5120 3.2ms`.
 */
export function formatAccessLine(f: AccessFacts): string {
  let path = f.path.length > maxAccessPathChars ? `${f.path.slice(0, maxAccessPathChars)}…` : f.path;
  // A quote would end the request field early for anyone parsing the line; escape it as in a URL.
  if (path.includes('"')) path = path.replaceAll('"', '%22');
  if (path.includes(' ')) path = path.replaceAll(' ', '%20');
  const client = f.client === undefined ? '-' : f.client.startsWith('::ffff:') ? f.client.slice(7) : f.client;
  return `${f.host} ${client} "${f.method} ${path} HTTP/${f.httpVersion}" ${accessStatus(f.status)} ${f.bytes} ${f.durationMs.toFixed(1)}ms`;
}

/** A compiled route's access log: its policy and where its lines go. */
export interface RouteAccess {
  readonly policy: RouteAccessLog;
  readonly write: (line: AccessLine) => void;
}

/** Writes the line of one finished exchange when the route logs access and this request is drawn. */
export function logAccess(access: RouteAccess | undefined, req: IncomingMessage, host: string, status: number, bytes: number, durationMs: number, instance: string | null): void {
  if (!access || !sampled(access.policy)) return;
  const { project, environment, service } = access.policy;
  const line = formatAccessLine({ method: req.method ?? '-', host, path: req.url ?? '', httpVersion: req.httpVersion, status, bytes, durationMs, client: req.socket.remoteAddress });
  access.write({ at: Date.now(), project, environment, service, instance, status: accessStatus(status), line });
}
