// Instances get SLUICE_FLAGS_URL (plain) and SLUICE_FLAGS_TOKEN (secret) from ProcessRuntime,
// the data plane's flags port and their environment's server key; a service's own env wins.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { ArtifactStore } from '../../src/artifact/artifact-store.ts';
import { flagsEnvironment } from '../../src/dataplane/data-plane-flag-publisher.ts';
import type { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { FlagKeyMaker, parseFlagKey } from '../../src/flags/ofrep/flag-keys.ts';
import { ProcessRuntime } from '../../src/runtime/process/process-runtime.ts';

void test('an instance gets its environment’s flags URL and server key; its own env wins', async () => {
  const sent: Array<{ env: Record<string, string>; secretEnv: Record<string, string> }> = [];
  const client = {
    health: async () => ({ pid: 1, routerPort: 8080, flagsPort: 4321, startedAt: '' }),
    request: async (_m: string, _p: string, body: { env: Record<string, string>; secretEnv: Record<string, string> }) => void sent.push(body),
  } as unknown as DataPlaneClient;
  const keys = new FlagKeyMaker(randomBytes(32));
  const runtime = new ProcessRuntime(client, {} as ArtifactStore, '/tmp', flagsEnvironment(client, keys));
  const base = { workdir: '/app', command: 'node app.js', health: null, secretEnv: {} };
  await runtime.startInstance({ ...base, id: 'shop.production.web.r1.1', env: { A: '1' }, labels: { project: 'shop', environment: 'production', service: 'web' } });
  assert.deepEqual(sent[0]!.env, { SLUICE_FLAGS_URL: 'http://127.0.0.1:4321', A: '1' });
  assert.equal(sent[0]!.secretEnv.SLUICE_FLAGS_TOKEN, keys.key('server', 'shop', 'production'));
  assert.deepEqual(parseFlagKey(sent[0]!.secretEnv.SLUICE_FLAGS_TOKEN), { kind: 'server', project: 'shop', environment: 'production' });
  await runtime.startInstance({ ...base, id: 'shop.production.web.r1.2', env: { SLUICE_FLAGS_URL: 'http://mine' }, labels: { project: 'shop', environment: 'production' } });
  assert.deepEqual(sent[1]!.env, { SLUICE_FLAGS_URL: 'http://mine' });
  assert.equal(sent[1]!.secretEnv.SLUICE_FLAGS_TOKEN, keys.key('server', 'shop', 'production'));
  assert.notEqual(keys.key('server', 'shop', 'production'), new FlagKeyMaker(randomBytes(32)).key('server', 'shop', 'production'), 'keys depend on the master key');
});
