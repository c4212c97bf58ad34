// The data plane's control API: small JSON over HTTP on a local Unix socket, spoken only by
// the control plane on this machine (dataplane-client.ts).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { errorMessage, InvalidInputError, SluiceError } from '../errors.ts';
import { instanceLogPath } from './data-plane-paths.ts';
import type { DataPlane } from './data-plane.ts';
import { AcmeChallenges } from '../router/edge/acme-challenges.ts';
import { parseAcmeChallengeBody, parseCertificateBody, parseInstanceBody, parseRoute } from './wire-schema.ts';

type Handler = (body: unknown, params: string[], query: URLSearchParams) => Promise<unknown>;

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    throw new InvalidInputError('the request body is not JSON');
  }
}

export function controlRoutes(dp: DataPlane, dataDir: string, shutdown: () => void): Array<[string, RegExp, Handler]> {
  return [
    ['GET', /^\/health$/, async () => ({ pid: process.pid, routerPort: dp.routerPort, httpsPort: dp.httpsPort, flagsPort: dp.flags.port, startedAt: dp.startedAt })],
    ['GET', /^\/instances$/, async () => dp.instances()],
    [
      'PUT',
      /^\/instances\/([^/]+)$/,
      async (body, [id]) => {
        const { secretEnv, ...spec } = parseInstanceBody(id!, body);
        return dp.startInstance({ ...spec, id: id!, logFile: instanceLogPath(dataDir, id!) }, secretEnv ?? {});
      },
    ],
    [
      'GET',
      /^\/instances\/([^/]+)\/ready$/,
      async (_b, [id], q) => dp.waitReady(id!, Number(q.get('timeoutMs') ?? 60_000)),
    ],
    ['DELETE', /^\/instances\/([^/]+)$/, async (_b, [id]) => dp.stopInstance(id!).then(() => ({ stopped: id }))],
    [
      'PUT',
      /^\/routes\/([^/]+)$/,
      async (body, [host]) => {
        dp.setRoute(host!, parseRoute(host!, body));
        return { host };
      },
    ],
    ['DELETE', /^\/routes\/([^/]+)$/, async (_b, [host]) => (dp.removeRoute(host!), { host })],
    ['POST', /^\/routes\/([^/]+)\/wake$/, async (_b, [host]) => ({ host, woken: dp.wakeHost(host!) })],
    ['GET', /^\/sleeping$/, async () => dp.sleepingHosts()],
    ['GET', /^\/routes\/applied$/, async () => dp.router.appliedRoutes()],
    ['GET', /^\/metrics$/, async () => dp.router.metrics()],
    ['GET', /^\/flag-metrics$/, async () => dp.router.flagMetrics()],
    [
      'GET',
      /^\/traffic$/,
      async (_b, _p, q) => {
        const epoch = q.get('epoch');
        return dp.router.traffic(epoch === null ? undefined : { epoch, cursor: Number(q.get('cursor') ?? 0) });
      },
    ],
    ['GET', /^\/certificates$/, async () => dp.certificates.list()],
    ['PUT', /^\/certificates\/([^/]+)$/, async (body, [id]) => dp.certificates.put(id!, parseCertificateBody(id!, body))],
    ['DELETE', /^\/certificates\/([^/]+)$/, async (_b, [id]) => (dp.certificates.delete(id!), { deleted: id })],
    [
      'PUT',
      /^\/acme-challenges\/([^/]+)$/,
      async (body, [token]) => {
        if (!AcmeChallenges.validToken(token!)) throw new InvalidInputError(`invalid ACME challenge token ${JSON.stringify(token!.slice(0, 300))}: base64url only`);
        dp.router.challenges.put(token!, parseAcmeChallengeBody(token!, body));
        return { token };
      },
    ],
    ['DELETE', /^\/acme-challenges\/([^/]+)$/, async (_b, [token]) => ({ token, deleted: dp.router.challenges.delete(token!) })],
    ['GET', /^\/flags$/, async () => dp.flags.flags.list()],
    ['PUT', /^\/flags\/([^/]+)\/([^/]+)$/, async (body, [project, environment]) => dp.flags.flags.put(project!, environment!, body)],
    ['DELETE', /^\/flags\/([^/]+)\/([^/]+)$/, async (_b, [project, environment]) => (dp.flags.flags.delete(project!, environment!), { deleted: `${project}/${environment}` })],
    ['POST', /^\/master-key$/, async (body) => (dp.rekey(Buffer.from(String((body as { key?: string }).key ?? ''), 'base64')), { rekeyed: true })],
    ['POST', /^\/shutdown$/, async () => (setImmediate(shutdown), { stopping: true })],
  ];
}

export function createControlServer(dp: DataPlane, dataDir: string, shutdown: () => void): http.Server {
  const routes = controlRoutes(dp, dataDir, shutdown);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dataplane');
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body ?? null);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    void (async () => {
      for (const [method, pattern, handler] of routes) {
        const m = pattern.exec(url.pathname);
        if (!m || method !== req.method) continue;
        try {
          const params = m.slice(1).map((p) => decodeURIComponent(p));
          send(200, await handler(await readBody(req), params, url.searchParams));
        } catch (error) {
          const code = error instanceof SluiceError ? error.code : 'internal';
          send(code === 'not_found' ? 404 : code === 'invalid_input' ? 400 : 409, { code, message: errorMessage(error) });
        }
        return;
      }
      send(404, { code: 'not_found', message: `no route ${req.method} ${url.pathname}` });
    })();
  });
}

/** Listens on the socket; a stale socket file (no one answering) is removed first. */
export async function listenOnSocket(server: http.Server, socketPath: string): Promise<void> {
  if (fs.existsSync(socketPath)) {
    const alive = await new Promise<boolean>((resolve) => {
      const s = net.connect(socketPath, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (alive) throw new Error(`another data plane already answers on ${socketPath}`);
    fs.rmSync(socketPath, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      // Only the server's own user may connect (root aside); the data directory is 0700 too.
      try {
        fs.chmodSync(socketPath, 0o600);
        resolve();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
