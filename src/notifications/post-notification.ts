// One HTTP POST of one delivery attempt. With `denyPrivate`, the address DNS gives is checked
// inside the connection's own lookup: the socket connects to exactly the address that passed,
// so a name that changes its answer between a check and the connect (DNS rebinding) gains nothing.
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress, privateList } from './private-address.ts';

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type PostNotification = (request: PostRequest) => Promise<{ status: number }>;

export function httpPoster(opts: { denyPrivate: boolean; timeoutMs: number }): PostNotification {
  const blocked = privateList();
  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses;
      const refused = list.find((a) => isPrivateAddress(a.address, blocked));
      if (refused) return callback(new Error(`${hostname} resolves to ${refused.address}, a private address (--notify-deny-private)`), '', 0);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
  return (request) =>
    new Promise((resolve, reject) => {
      const url = new URL(request.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // A literal address skips lookup altogether: check it here.
      if (opts.denyPrivate && isIP(host) !== 0 && isPrivateAddress(host, blocked)) {
        reject(new Error(`${host} is a private address (--notify-deny-private)`));
        return;
      }
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'sluice-notifications', 'content-length': String(Buffer.byteLength(request.body)), ...request.headers },
        timeout: opts.timeoutMs,
        ...(opts.denyPrivate ? { lookup } : {}),
        agent: false,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(opts.timeoutMs / 1000)} s`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume(); // the body is not needed; draining frees the socket
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      });
      req.end(request.body);
    });
}
