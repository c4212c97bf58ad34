// The HTTPS listener end to end with real clients: curl over HTTP/1.1 and HTTP/2, a WebSocket
// style upgrade over TLS, X-Forwarded-Proto, the 308 redirect and its ACME exemption, HSTS only
// over TLS, and a certificate swap under load without a failed request.
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { connect as h2Connect } from 'node:http2';
import { Agent, request } from 'node:https';
import { test } from 'node:test';
import { send } from './router-test-kit.ts';
import { curl, handshake, tlsKit } from './tls-kit.ts';

void test('https: HTTP/1.1 and HTTP/2 through curl, X-Forwarded-Proto, h2 bodies, pseudo-headers stripped', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const backend = await k.backend();
  const cert = k.certs.leaf('shop', ['shop.test']);
  await client.putCertificate('cert-shop', { hosts: ['shop.test'], ...cert });
  await client.request('PUT', '/routes/shop.test', { backends: [], forward: { port: backend } });
  const port = dp.httpsPort!;
  const resolve = `shop.test:${port}:127.0.0.1`;
  const url = `https://shop.test:${port}/a?b=1`;

  const h1 = await curl(url, resolve, ['--cacert', k.certs.caFile, '--http1.1']);
  assert.equal(h1.status, 200);
  assert.equal(h1.httpVersion, '1.1');
  const seen1 = JSON.parse(h1.body) as { proto: string; host: string; url: string };
  assert.deepEqual([seen1.proto, seen1.host, seen1.url], ['https', `shop.test:${port}`, '/a?b=1']);

  const h2 = await curl(url, resolve, ['--cacert', k.certs.caFile, '--http2']);
  assert.equal(h2.status, 200);
  assert.equal(h2.httpVersion, '2', 'HTTP/2 was not negotiated');
  const seen2 = JSON.parse(h2.body) as { proto: string; host: string; pseudo: string[] };
  assert.deepEqual([seen2.proto, seen2.host, seen2.pseudo], ['https', `shop.test:${port}`, []]);

  // A POST body over HTTP/2 (no content-length) reaches the instance whole.
  const posted = await curl(url, resolve, ['--cacert', k.certs.caFile, '--http2', '-X', 'POST', '-H', 'content-length:', '--data-binary', 'x'.repeat(100_000)]);
  assert.equal(posted.httpVersion, '2');
  assert.equal((JSON.parse(posted.body) as { bodyBytes: number }).bodyBytes, 100_000);

  // Node's own HTTP/2 client, several streams on one session.
  const session = h2Connect(`https://shop.test:${port}`, { ca: k.certs.caPem, host: '127.0.0.1', servername: 'shop.test' } as never);
  t.after(() => session.close());
  const bodies = await Promise.all(
    [1, 2, 3].map(
      (i) =>
        new Promise<string>((ok, fail) => {
          const s = session.request({ ':path': `/n${i}` });
          let text = '';
          s.on('data', (c: Buffer) => (text += c.toString()));
          s.on('end', () => ok(text));
          s.on('error', fail);
        }),
    ),
  );
  assert.deepEqual(bodies.map((b) => (JSON.parse(b) as { url: string }).url), ['/n1', '/n2', '/n3']);

  // Plain HTTP to a host without a certificate is proxied as before, marked http.
  await client.request('PUT', '/routes/plain.test', { backends: [], forward: { port: backend } });
  const plain = await send(dp.routerPort, { host: 'plain.test', path: '/p' });
  assert.equal(plain.status, 200);
  assert.equal((JSON.parse(plain.body) as { proto: string }).proto, 'http');
});

void test('https: an Upgrade (WebSocket) over TLS is piped both ways', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const backend = await k.backend();
  await client.putCertificate('cert-ws', { hosts: ['ws.test'], ...k.certs.leaf('ws', ['ws.test']) });
  await client.request('PUT', '/routes/ws.test', { backends: [], forward: { port: backend } });
  const socket = tlsConnect({ host: '127.0.0.1', port: dp.httpsPort!, servername: 'ws.test', ca: k.certs.caPem, ALPNProtocols: ['http/1.1'] });
  t.after(() => socket.destroy());
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  await new Promise<void>((ok, fail) => {
    socket.once('secureConnect', ok);
    socket.once('error', fail);
  });
  socket.write('GET /chat HTTP/1.1\r\nhost: ws.test\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
  const until = async (pattern: RegExp): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!pattern.test(text)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(text)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(/proto https\n/);
  assert.match(text, /^HTTP\/1\.1 101/);
  socket.write('ping over tls\n');
  await until(/ping over tls\n/);
});

void test('http: 308 to https for hosts with a certificate, ACME challenges exempt and answered for any host', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const backend = await k.backend();
  await client.putCertificate('cert-shop', { hosts: ['shop.test'], ...k.certs.leaf('shop', ['shop.test']) });
  await client.request('PUT', '/routes/shop.test', { backends: [], forward: { port: backend } });
  const redirected = await send(dp.routerPort, { host: 'Shop.test:8080', path: '/cart?item=1&x=%20', method: 'POST', body: 'x' });
  assert.equal(redirected.status, 308);
  assert.equal(redirected.headers.location, `https://shop.test:${dp.httpsPort!}/cart?item=1&x=%20`);

  await client.putAcmeChallenge('tok_en-1', 'tok_en-1.thumbprint');
  for (const host of ['shop.test', 'nowhere.test']) {
    const answered = await send(dp.routerPort, { host, path: '/.well-known/acme-challenge/tok_en-1' });
    assert.equal(answered.status, 200, host);
    assert.equal(answered.body, 'tok_en-1.thumbprint');
    assert.equal(answered.headers['content-type'], 'text/plain');
  }
  assert.equal((await send(dp.routerPort, { host: 'shop.test', path: '/.well-known/acme-challenge/other' })).status, 404);
  await client.deleteAcmeChallenge('tok_en-1');
  assert.equal((await send(dp.routerPort, { host: 'shop.test', path: '/.well-known/acme-challenge/tok_en-1' })).status, 404);

  // Without its certificate the host is served over plain HTTP again.
  await client.deleteCertificate('cert-shop');
  assert.equal((await send(dp.routerPort, { host: 'shop.test', path: '/cart' })).status, 200);
});

void test('https: HSTS on HTTPS responses only', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const backend = await k.backend();
  await client.putCertificate('cert-h', { hosts: ['h.test'], ...k.certs.leaf('h', ['h.test']) });
  await client.request('PUT', '/routes/h.test', { backends: [], forward: { port: backend }, hsts: { maxAgeSeconds: 31536000, includeSubDomains: true } });
  await client.request('PUT', '/routes/plain-h.test', { backends: [], forward: { port: backend }, hsts: { maxAgeSeconds: 60, includeSubDomains: false } });
  const port = dp.httpsPort!;
  for (const version of ['--http1.1', '--http2']) {
    const r = await curl(`https://h.test:${port}/`, `h.test:${port}:127.0.0.1`, ['--cacert', k.certs.caFile, version]);
    assert.match(r.headers, /^strict-transport-security: max-age=31536000; includeSubDomains\r?$/im, version);
  }
  // plain-h.test has no certificate: served over plain HTTP, never with HSTS.
  const plain = await send(dp.routerPort, { host: 'plain-h.test' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['strict-transport-security'], undefined);
  await assert.rejects(client.request('PUT', '/routes/bad.test', { backends: [], hsts: { maxAgeSeconds: -1, includeSubDomains: true } }), /hsts\.maxAgeSeconds/);
});

void test('https: a certificate swap under load fails no request; new handshakes get the new certificate', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const backend = await k.backend();
  const old = k.certs.leaf('old', ['swap.test']);
  const next = k.certs.leaf('next', ['swap.test']);
  await client.putCertificate('cert-swap', { hosts: ['swap.test'], ...old });
  await client.request('PUT', '/routes/swap.test', { backends: [], forward: { port: backend } });
  const port = dp.httpsPort!;
  const oldSerial = (await handshake(port, 'swap.test', k.certs.caPem)).serialNumber;

  // 8 keep-alive clients plus fresh connections, until the swap is done and a little after.
  let failed = 0;
  let done = 0;
  let stop = false;
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: k.certs.caPem, servername: 'swap.test' });
  t.after(() => agent.destroy());
  const once = (fresh: boolean): Promise<void> =>
    new Promise((ok) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { host: 'swap.test' }, servername: 'swap.test', ca: k.certs.caPem, agent: fresh ? false : agent, timeout: 5_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) done++;
            else failed++;
            ok();
          });
        },
      );
      req.on('error', () => {
        failed++;
        ok();
      });
      req.end();
    });
  const loop = async (fresh: boolean): Promise<void> => {
    while (!stop) await once(fresh);
  };
  const loops = [...Array.from({ length: 8 }, () => loop(false)), loop(true), loop(true)];
  const waitFor = async (n: number): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (done < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  await waitFor(200);
  await client.putCertificate('cert-swap', { hosts: ['swap.test'], ...next });
  const after = done;
  await waitFor(after + 200);
  stop = true;
  await Promise.all(loops);
  assert.equal(failed, 0, `${failed} request(s) failed across the swap`);
  assert.ok(done >= after + 200, `only ${done} requests`);
  const newSerial = (await handshake(port, 'swap.test', k.certs.caPem)).serialNumber;
  assert.notEqual(newSerial, oldSerial);
  assert.deepEqual((await client.listCertificates()).map((c) => c.id), ['cert-swap']);
});
