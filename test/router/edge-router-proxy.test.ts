import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EdgeRouter } from '../../src/router/edge/edge-router.ts';
import type { RouteTable, RouteTarget } from '../../src/router/route-table.ts';
import { deadPort, delay, send, startBackend, type Backend } from './router-test-kit.ts';

function one(host: string, release: string, targets: RouteTarget[]): RouteTable {
  return { routes: [{ host, backends: [{ release, weight: 100, targets }] }] };
}

void describe('edge router: proxying', () => {
  let router: EdgeRouter;
  let port: number;
  let a: Backend;
  let b: Backend;
  let dead: RouteTarget;
  const backends: Backend[] = [];

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    backends.push(a, b);
    dead = { id: 'dead#1', host: '127.0.0.1', port: await deadPort() };
    router = new EdgeRouter({ port: 0, closeGraceMs: 500 });
    port = await router.listen();
  });

  after(async () => {
    await router.close();
    await Promise.all(backends.map((x) => x.close()));
  });

  void it('retries a GET on another target when a connection is refused', async () => {
    router.setRoutes(one('retry.test', 'r1', [dead, a.target]));
    for (let i = 0; i < 6; i++) {
      const reply = await send(port, { host: 'retry.test' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'a');
    }
    const m = router.metrics().find((x) => x.host === 'retry.test')!;
    assert.equal(m.requests, 6);
    assert.equal(m.errors5xx, 0);
    assert.ok(m.connectFailures >= 3, `connectFailures ${m.connectFailures}`);
  });

  void it('answers 502 for a POST with a body to a dead target, retries a bodiless POST', async () => {
    router.setRoutes(one('post.test', 'r1', [dead, a.target]));
    // Round robin starts at the dead target.
    const first = await send(port, { host: 'post.test', method: 'POST', body: 'payload' });
    assert.equal(first.status, 502);
    const second = await send(port, { host: 'post.test', method: 'POST', body: 'payload' });
    assert.equal(second.status, 200);
    const bodiless = await send(port, { host: 'post.test', method: 'POST' });
    assert.equal(bodiless.status, 200);
    const m = router.metrics().find((x) => x.host === 'post.test')!;
    assert.equal(m.errors5xx, 1);
    assert.ok(m.connectFailures >= 2);
  });

  void it('answers 502 when every target is dead', async () => {
    router.setRoutes(one('dead.test', 'r1', [dead]));
    const reply = await send(port, { host: 'dead.test' });
    assert.equal(reply.status, 502);
  });

  void it('streams the response: the first chunk arrives before the last is sent', async () => {
    let secondSent = false;
    let releaseSecond: () => void = () => {};
    const gate = new Promise<void>((resolve) => (releaseSecond = resolve));
    const streamer = await startBackend('streamer', (req, res) => {
      req.resume();
      res.write('first;');
      void Promise.race([gate, delay(3000)]).then(() => {
        secondSent = true;
        res.end('second');
      });
    });
    backends.push(streamer);
    router.setRoutes(one('stream.test', 'r1', [streamer.target]));
    const body = await new Promise<{ firstBeforeSecond: boolean; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, headers: { host: 'stream.test' }, agent: false }, (res) => {
        let text = '';
        let firstBeforeSecond = false;
        res.on('data', (chunk: Buffer) => {
          if (text === '') {
            firstBeforeSecond = !secondSent;
            releaseSecond();
          }
          text += chunk.toString();
        });
        res.on('end', () => resolve({ firstBeforeSecond, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body.text, 'first;second');
    assert.ok(body.firstBeforeSecond, 'the router buffered the response');
  });

  void it('streams a 5 MB upload through and a 5 MB download back', async () => {
    const hasher = await startBackend('hasher', (req, res) => {
      if (req.method === 'GET') {
        const data = randomBytes(5 * 1024 * 1024);
        res.setHeader('x-sha', createHash('sha256').update(data).digest('hex'));
        res.end(data);
        return;
      }
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      req.on('end', () => res.end(`${size}:${hash.digest('hex')}`));
    });
    backends.push(hasher);
    router.setRoutes(one('big.test', 'r1', [hasher.target]));
    const upload = randomBytes(5 * 1024 * 1024);
    const expected = `${upload.length}:${createHash('sha256').update(upload).digest('hex')}`;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'PUT', headers: { host: 'big.test' }, agent: false },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      // Chunked, in pieces, so the body is a stream of unknown length.
      let offset = 0;
      const pump = (): void => {
        while (offset < upload.length) {
          const piece = upload.subarray(offset, offset + 256 * 1024);
          offset += piece.length;
          if (!req.write(piece)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(answer, expected);

    const download = await new Promise<{ sha: string; got: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, headers: { host: 'big.test' }, agent: false }, (res) => {
        const hash = createHash('sha256');
        res.on('data', (c: Buffer) => hash.update(c));
        res.on('end', () => resolve({ sha: String(res.headers['x-sha']), got: hash.digest('hex') }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(download.got, download.sha);
  });

  void it('proxies an Upgrade request and pipes both ways', async () => {
    const echo = await startBackend('echo');
    backends.push(echo);
    echo.server.on('upgrade', (req, socket) => {
      echo.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
    router.setRoutes(one('ws.test', 'rws', [dead, echo.target]));
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/socket',
        headers: { host: 'ws.test', connection: 'Upgrade', upgrade: 'echo' },
        agent: false,
      });
      req.on('upgrade', (res, socket, head) => {
        assert.equal(res.statusCode, 101);
        let got = head.toString();
        socket.on('data', (c: Buffer) => {
          got += c.toString();
          if (got.length >= 11) {
            socket.destroy();
            resolve(got);
          }
        });
        socket.write('hello ');
        setTimeout(() => socket.write('world'), 20);
      });
      req.on('response', (res) => reject(new Error(`expected an upgrade, got ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(echoed, 'hello world');
    const seen = echo.seen.at(-1)!;
    assert.equal(seen.url, '/socket');
    assert.equal(seen.headers.upgrade, 'echo');
    assert.equal(seen.headers['x-forwarded-host'], 'ws.test');
    const m = router.metrics().find((x) => x.host === 'ws.test')!;
    assert.equal(m.requests, 1);
    assert.equal(m.connectFailures, 1);
  });

  void it('switches routes under steady keep-alive load without a failure', async () => {
    router.setRoutes(one('switch.test', 'r1', [a.target]));
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const answers: string[] = [];
    const failures: string[] = [];
    let reused = 0;
    let switched = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 300) {
        const n = next++;
        if (n === 150 && !switched) {
          switched = true;
          router.setRoutes(one('switch.test', 'r2', [b.target]));
        }
        try {
          const reply = await send(port, { host: 'switch.test', agent });
          if (reply.status !== 200) failures.push(`${n}: ${reply.status}`);
          if (reply.reused) reused++;
          answers[n] = reply.body;
        } catch (error) {
          failures.push(`${n}: ${String(error)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    agent.destroy();
    assert.deepEqual(failures, []);
    assert.ok(reused >= 290, `only ${reused} requests reused a connection`);
    assert.equal(answers[0], 'a');
    assert.ok(answers.slice(160).every((x) => x === 'b'), 'requests after the switch still reached the old release');
    assert.equal(router.appliedRoutes().routes[0]?.backends[0]?.release, 'r2');
  });

  void it('lets an in-flight request to a removed target finish, then closes its pool', async () => {
    const slow = await startBackend('slow', (req, res) => {
      req.resume();
      res.write('begun;');
      setTimeout(() => res.end('done'), 300);
    });
    backends.push(slow);
    router.setRoutes(one('drain.test', 'r1', [slow.target]));
    const inFlight = send(port, { host: 'drain.test' });
    await delay(100);
    router.setRoutes(one('drain.test', 'r2', [a.target]));
    assert.equal((await send(port, { host: 'drain.test' })).body, 'a');
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'begun;done');
    // The removed target's pool closes its keep-alive connection once idle.
    let open = 1;
    for (let i = 0; i < 40 && open > 0; i++) {
      await delay(50);
      open = await new Promise<number>((resolve) => slow.server.getConnections((_e, n) => resolve(n)));
    }
    assert.equal(open, 0);
  });

  void it('survives client aborts and malformed requests', async () => {
    let upstreamClosed = false;
    const endless = await startBackend('endless', (req, res) => {
      req.resume();
      const timer = setInterval(() => res.write('tick\n'), 10);
      res.on('close', () => {
        upstreamClosed = true;
        clearInterval(timer);
      });
    });
    backends.push(endless);
    router.setRoutes(one('abort.test', 'r1', [endless.target]));
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, headers: { host: 'abort.test' }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.on('close', () => resolve());
      req.once('error', reject);
      req.end();
    });
    for (let i = 0; i < 40 && !upstreamClosed; i++) await delay(25);
    assert.ok(upstreamClosed, 'the upstream request was not aborted');

    // Garbage on the wire gets a 400 and the router keeps serving.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.end('NOT HTTP AT ALL\r\n\r\n');
    });
    assert.match(raw, /^HTTP\/1\.1 400/);
    // A body cut short mid-upload: the client's fault, not a 5xx of the release.
    router.setRoutes(one('alive.test', 'r1', [a.target]));
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nhost: alive.test\r\ncontent-length: 1000\r\n\r\npartial');
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
    assert.equal((await send(port, { host: 'alive.test' })).body, 'a');
    const m = router.metrics().find((x) => x.host === 'alive.test')!;
    assert.equal(m.requests, 2);
    assert.equal(m.errors5xx, 0);
  });
});
