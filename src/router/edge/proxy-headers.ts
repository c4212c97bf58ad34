import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { userHeader } from './targeting-key.ts';

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
// `expect` is answered by this server itself (node sends 100 Continue) and undici refuses it.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);
const forwarded = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** Extra names to drop listed in a Connection header; undefined when there are none (the usual case). */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  let listed: Set<string> | undefined;
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') (listed ??= new Set()).add(name);
  }
  return listed;
}

/** Whether the request came over TLS (HTTP/1.1 on a TLS socket, or HTTP/2, which the router only speaks over TLS). */
export function isSecure(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * Request headers for the target as a flat [name, value, ...] list (undici takes it as is),
 * keeping the client's Host, appending to X-Forwarded-For and setting the other X-Forwarded-*.
 * With `upgrade`, Connection/Upgrade are kept so the target sees the upgrade request.
 * An HTTP/2 request is turned into HTTP/1.1 headers: no pseudo-headers, :authority as Host.
 * With `user` (variant attribution), the client's x-sluice-user headers are replaced by one
 * carrying the resolved targeting key, so the app evaluates its flags for the same user.
 */
export function upstreamHeaders(req: IncomingMessage, upgrade = false, user?: string): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const out: string[] = [];
  const h2 = req.httpVersionMajor === 2;
  let priorFor: string | undefined;
  if (h2 && req.headers.host === undefined) out.push('host', String(req.headers[':authority'] ?? ''));
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (h2 && name.charCodeAt(0) === 58 /* ':' */) continue;
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || listed?.has(lower)) {
      if (!(upgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    }
    if (forwarded.has(lower)) {
      if (lower === 'x-forwarded-for') priorFor = priorFor === undefined ? raw[i + 1]! : `${priorFor}, ${raw[i + 1]!}`;
      continue;
    }
    if (user !== undefined && lower === userHeader) continue;
    out.push(name, raw[i + 1]!);
  }
  if (user !== undefined) out.push(userHeader, user);
  const client = req.socket.remoteAddress ?? 'unknown';
  out.push(
    'x-forwarded-for',
    priorFor === undefined ? client : `${priorFor}, ${client}`,
    'x-forwarded-host',
    req.headers.host ?? String(req.headers[':authority'] ?? ''),
    'x-forwarded-proto',
    isSecure(req) ? 'https' : 'http',
  );
  return out;
}

/** Response headers from the target, minus hop-by-hop ones; mutates and returns the parsed object. */
export function downstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(headers.connection);
  for (const name of hopByHop) if (headers[name] !== undefined) delete headers[name];
  if (listed) for (const name of listed) delete headers[name];
  return headers;
}

/** True when the request carries a body (content-length > 0 or any transfer-encoding; HTTP/2: no END_STREAM on its headers). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 2) return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
