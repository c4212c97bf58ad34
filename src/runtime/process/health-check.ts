import { request } from 'node:http';
import { connect } from 'node:net';

export interface ProbeResult {
  ok: boolean;
  /** What the probe saw, e.g. "HTTP 503" or "connect ECONNREFUSED 127.0.0.1:4100". */
  detail: string;
}

/** GET http://127.0.0.1:port{path}; 2xx and 3xx pass. Never rejects. */
export function probeHttp(port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    // A fresh connection per probe (agent: false) so a wedged keep-alive socket cannot hide a dead server.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { 'user-agent': 'sluice-health-check' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    const timer = setTimeout(() => finish({ ok: false, detail: `no response within ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (error) => finish({ ok: false, detail: error.message }));
    req.end();
  });
}

/** Passes when 127.0.0.1:port accepts a TCP connection. Never rejects. */
export function probeTcp(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish({ ok: false, detail: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true, detail: 'connected' }));
    socket.once('error', (error) => finish({ ok: false, detail: error.message }));
  });
}
