// Flags end to end with the real server and data plane (bin/sluice.js): a deployed, sandboxed
// instance evaluates through SLUICE_FLAGS_URL with its SLUICE_FLAGS_TOKEN; `sluice flag keys`
// gives the browser key that /_sluice/ofrep answers on the environment's host; a killed data
// plane's successor serves the stored flags on the same port; evaluation goes on with the server
// killed (there, flags are published the way the server does: DataPlaneFlagPublisher over the
// data-plane socket, keys from the master key). The second test goes through the whole path: the
// repository's flag file deployed, then `sluice flag set`, each seen by the app's own evaluation.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { DataPlaneFlagPublisher } from '../../src/dataplane/data-plane-flag-publisher.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { FlagKeyMaker } from '../../src/flags/ofrep/flag-keys.ts';
import { loadMasterKey } from '../../src/secrets/keyring.ts';
import { shopFlags } from '../flags/ofrep-kit.ts';
import { send } from '../router/router-test-kit.ts';
import { viaRouter } from './harness.ts';
import { deployedProject, pipeline, prodHost } from './fixtures.ts';

/**
 * `/flag` evaluates banner-text over OFREP from inside the instance with Node's fetch (as the
 * OFREP provider does), in the sandbox with its default limits and plain `node`: fetch's HTTP
 * parser is WebAssembly, whose guard regions did not fit the RLIMIT_AS the sandbox used before
 * (docs/decisions/0016-sandbox.md); `/env` shows its environment.
 */
const app = `const http = require('node:http');
const s = http.createServer(async (req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/env') return res.end(JSON.stringify({ url: process.env.SLUICE_FLAGS_URL, token: process.env.SLUICE_FLAGS_TOKEN }));
  try {
    const r = await fetch(process.env.SLUICE_FLAGS_URL + '/ofrep/v1/evaluate/flags/banner-text', { method: 'POST', headers: { authorization: 'Bearer ' + process.env.SLUICE_FLAGS_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify({ context: { targetingKey: 'u1' } }) });
    res.end(r.status + ' ' + (await r.json()).value);
  } catch (e) { res.statusCode = 500; res.end(String(e) + ' ' + String(e.cause)); }
});
s.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

void test('an instance evaluates its flags over SLUICE_FLAGS_URL; browsers use the public key on the host; a data plane or server killed, evaluation goes on', async (t) => {
  const { server } = await deployedProject(t, 'shop', { 'sluice.yaml': pipeline({ start: 'node server.js' }), 'server.js': app, VERSION: 'v1\n' });
  const host = prodHost('shop');
  const env = JSON.parse((await viaRouter(server.routerPort, host, '/env')).body) as { url?: string; token?: string };
  assert.match(env.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(env.token ?? '', /^sfk\.server\.shop\.production\./);

  const masterKey = loadMasterKey({ envValue: undefined, keyFile: path.join(server.dataDir, 'master.key') }).key;
  const publisher = new DataPlaneFlagPublisher(new DataPlaneClient(socketPathOf(server.dataDir)), new FlagKeyMaker(masterKey));
  await publisher.publish(shopFlags(1));
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Hello' });

  const keys = await server.json<{ clientKey: string; ofrepPath: string }>(['flag', 'keys', 'shop', '--env', 'production', '--json']);
  assert.match(keys.clientKey, /^sfk\.client\.shop\.production\./);
  const browser = await send(server.routerPort, {
    host,
    path: `${keys.ofrepPath}/evaluate/flags`,
    method: 'POST',
    headers: { authorization: `Bearer ${keys.clientKey}`, 'content-type': 'application/json' },
    body: '{"context":{"targetingKey":"u1"}}',
  });
  assert.equal(browser.status, 200, browser.body);
  assert.deepEqual((JSON.parse(browser.body) as { flags: Array<{ key: string }> }).flags.map((f) => f.key), ['banner-text', 'theme']);

  // The data plane killed: the server starts another, which serves the flags from its disk on the same port.
  const oldDp = server.dataPlanePid();
  assert.ok(oldDp);
  const dp = new DataPlaneClient(socketPathOf(server.dataDir));
  process.kill(oldDp, 'SIGKILL');
  await server.waitFor('a new data plane', async () => ((await dp.health())?.pid ?? oldDp) !== oldDp, 60_000);
  assert.equal(`http://127.0.0.1:${(await dp.health())?.flagsPort}`, env.url, 'SLUICE_FLAGS_URL stays true');
  await server.waitFor('the instance to answer again', async () => (await viaRouter(server.routerPort, host, '/flag')).status === 200, 30_000);
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Hello' });

  await server.kill9();
  await publisher.publish(shopFlags(2, { flags: { ...shopFlags(1).flags, 'banner-text': { state: 'ENABLED', variants: { hello: 'Hello', bye: 'Goodbye' }, defaultVariant: 'bye' } } }));
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Goodbye' }, 'served while the control plane is down');
});

const bannerFile = `flags:
  banner-text:
    state: ENABLED
    variants: { hello: Hello, bye: Goodbye, hi: Hi }
    defaultVariant: hello
`;

void test('the flag file deployed and each `sluice flag` change are what the app evaluates once the command returns', async (t) => {
  const files = { 'sluice.yaml': `${pipeline({ start: 'node server.js' })}flags: flags.yaml\n`, 'flags.yaml': bannerFile, 'server.js': app, VERSION: 'v1\n' };
  const { server } = await deployedProject(t, 'shop', files);
  const host = prodHost('shop');
  // Published by the deploy itself: the release went live with its flag file.
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Hello' });

  await server.json(['flag', 'set', 'shop', 'banner-text', '--env', 'production', '--variant', 'bye']);
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Goodbye' }, 'served when the command returned');

  await server.json(['flag', 'set', 'shop', 'banner-text', '--env', 'production', '--disable']);
  const disabled = await viaRouter(server.routerPort, host, '/flag');
  assert.equal(disabled.status, 200, disabled.body);
  assert.equal(disabled.body, '200 undefined', 'a disabled flag has no value: the code default applies');

  const history = await server.json<Array<{ version: number }>>(['flag', 'history', 'shop', 'banner-text', '--env', 'production']);
  await server.json(['flag', 'revert', 'shop', 'banner-text', '--env', 'production', '--to', String(Math.min(...history.map((h) => h.version)))]);
  assert.deepEqual(await viaRouter(server.routerPort, host, '/flag'), { status: 200, body: '200 Hello' }, 'reverted to the deployed definition');
});
