// A local notification receiver for tests and the bench: HTTP on 127.0.0.1, checks each
// Standard Webhooks signature, de-duplicates on webhook-id (as the spec asks receivers to), and
// can fail the first N attempts of every message.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/notifications/standard-webhooks.ts';
import { waitFor as waitUntil } from '../wait-for.ts';

export interface Received {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface Receiver {
  url: string;
  /** Accepted messages, first delivery of each id only. */
  accepted: Map<string, Received>;
  /** Every attempt, in arrival order: [webhook-id, status answered]. */
  attempts: Array<[string, number]>;
  /** Attempts that came with a bad or missing signature. */
  badSignatures: number;
  /** Accepted again under an id already accepted (a duplicate the receiver dropped). */
  duplicates: number;
  /** Set the secret once known (after `project add`). */
  secret: string | null;
  /** When set, how many attempts of this id to fail (instead of `failFirst`). */
  failFirstOverride: ((id: string) => number) | null;
  close(): Promise<void>;
}

export async function startReceiver(opts: { failFirst?: number; secret?: string | null } = {}): Promise<Receiver> {
  const failFirst = opts.failFirst ?? 0;
  const tries = new Map<string, number>();
  const r: Receiver = { url: '', accepted: new Map(), attempts: [], badSignatures: 0, duplicates: 0, secret: opts.secret ?? null, failFirstOverride: null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = Number(req.headers['webhook-timestamp']);
      const signature = String(req.headers['webhook-signature'] ?? '');
      if (r.secret !== null && (!id || !Number.isInteger(timestamp) || !verifyWebhook(r.secret, id, timestamp, text, signature))) {
        r.badSignatures++;
        r.attempts.push([id, 401]);
        res.writeHead(401).end();
        return;
      }
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      if (n <= (r.failFirstOverride ? r.failFirstOverride(id) : failFirst)) {
        r.attempts.push([id, 503]);
        res.writeHead(503).end('try later');
        return;
      }
      r.attempts.push([id, 204]);
      if (r.accepted.has(id)) r.duplicates++;
      else r.accepted.set(id, { id, body: JSON.parse(text) as Record<string, unknown>, at: performance.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sluice`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}

/** Polls `check` until it holds, 20 s at most by default (deliveries wait on retries). */
export function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  return waitUntil(what, check, timeoutMs);
}
