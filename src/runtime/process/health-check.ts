import { request } from 'node:http';
import { connect } from 'node:net';

export interface ProbeResult {
  ok: boolean;
  /** What the probe saw, e.g. "HTTP 503" or "connect ECONNREFUSED 127.0.0.1:4100". */
  detail: string;
}

/**
 * Runs one probe with a deadline: `start` begins it, reports through `finish` (first call wins),
 * and returns how to tear it down. Never rejects.
 */
function probe(timeoutMs: number, timeoutDetail: string, start: (finish: (r: ProbeResult) => void) => { destroy(): void }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let handle: { destroy(): void } | null = null;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handle?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, detail: timeoutDetail }), timeoutMs);
    handle = start(finish);
    if (settled) handle.destroy();
  });
}

/** GET http://127.0.0.1:port{path}; 2xx and 3xx pass. Never rejects. */
export function probeHttp(port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return probe(timeoutMs, `no response within ${timeoutMs} ms`, (finish) => {
    // A fresh connection per probe (agent: false) so a wedged keep-alive socket cannot hide a dead server.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { 'user-agent': 'sluice-health-check' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    req.on('error', (error) => finish({ ok: false, detail: error.message }));
    req.end();
    return req;
  });
}

/** Passes when 127.0.0.1:port accepts a TCP connection. Never rejects. */
export function probeTcp(port: number, timeoutMs: number): Promise<ProbeResult> {
  return probe(timeoutMs, `no connection within ${timeoutMs} ms`, (finish) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => finish({ ok: true, detail: 'connected' }));
    socket.once('error', (error) => finish({ ok: false, detail: error.message }));
    return socket;
  });
}
