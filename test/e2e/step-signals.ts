// Gates and records that a test shares with its pipeline steps over loopback HTTP. Steps run
// sandboxed and see no host path (a marker file in the test's temp directory does not exist for
// them), but they keep the network: `curl` reaches this server on 127.0.0.1.
import type { TestContext } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class StepSignals {
  readonly url: string;
  private readonly server: http.Server;
  private readonly open = new Set<string>();
  private readonly taken = new Set<string>();
  private readonly recorded = new Map<string, string[]>();

  private constructor(server: http.Server) {
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(t: TestContext): Promise<StepSignals> {
    let self: StepSignals | null = null;
    const server = http.createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new StepSignals(server);
    const s = self;
    t.after(() => new Promise<void>((resolve) => { s.server.closeAllConnections(); s.server.close(() => resolve()); }));
    return s;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const [, kind, name = ''] = (req.url ?? '').split('/');
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      if (kind === 'gate') res.statusCode = this.open.has(name) ? 200 : 404;
      else if (kind === 'once') {
        res.statusCode = this.taken.has(name) ? 409 : 200;
        this.taken.add(name);
      } else if (kind === 'record') {
        this.recorded.set(name, [...(this.recorded.get(name) ?? []), Buffer.concat(body).toString('utf8')]);
      } else res.statusCode = 400;
      res.end();
    });
  }

  /** Lets the steps waiting for `name` go on. */
  openGate(name: string): void {
    this.open.add(name);
  }

  /** Shell: waits (at most `tenths`/10 s) until the gate `name` (may hold `$(…)`) is open; true if it opened. */
  waitFor(name: string, tenths = 1200): string {
    const gate = `curl -fs -o /dev/null "${this.url}/gate/${name}"`;
    return `i=0; until ${gate}; do [ $i -ge ${tenths} ] && break; sleep 0.1; i=$((i+1)); done; ${gate}`;
  }

  /** Shell: succeeds the first time any step runs it for `name`, fails after. */
  once(name: string): string {
    return `curl -fs -o /dev/null -X POST "${this.url}/once/${name}"`;
  }

  /** Shell: records the value of a shell word (e.g. "$SLUICE_RUN_ID") under `name`. */
  record(name: string, word: string): string {
    return `curl -fs -o /dev/null -X POST --data-binary ${word} "${this.url}/record/${name}"`;
  }

  records(name: string): string[] {
    return this.recorded.get(name) ?? [];
  }
}
