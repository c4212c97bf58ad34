// The delivery log seen through a token limited to one environment: the deliveries of that
// environment's events, none of another environment's and none of project-wide (run) events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../notifications/receiver.ts';
import { appFiles, deployedProject } from './fixtures.ts';

interface DeliveryJson {
  event: { kind: string; id: string };
  environment: string | null;
  state: string;
}

void test('a token limited to staging sees the deliveries of staging events in sluice notifications --json', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const files = appFiles('v1');
  files['sluice.yaml'] = `${files['sluice.yaml']}notifications:\n  - url: ${receiver.url}\n    events: ['*']\n`;
  const { server } = await deployedProject(t, 'scoped', files);
  const all = (): Promise<DeliveryJson[]> => server.json<DeliveryJson[]>(['notifications', 'scoped']);
  const log = await server.waitFor(
    'deliveries of both environments and of the run',
    async () => {
      const l = await all();
      const envs = new Set(l.map((d) => d.environment));
      return envs.has('staging') && envs.has('production') && envs.has(null) ? l : undefined;
    },
    60_000,
  );
  const created = await server.json<{ token: string }>(['token', 'create', 'staging-viewer', '--role', 'viewer', '--env', 'staging']);
  const seen = await server.cli(['notifications', 'scoped', '--json'], { token: created.token });
  assert.equal(seen.code, 0, seen.stderr);
  const scoped = JSON.parse(seen.stdout) as DeliveryJson[];
  const staging = (await all()).filter((d) => d.environment === 'staging');
  assert.ok(staging.length > 0 && log.some((d) => d.environment === null));
  assert.deepEqual(scoped.map((d) => d.event.id).sort(), staging.map((d) => d.event.id).sort(), JSON.stringify(scoped));
  assert.ok(scoped.every((d) => d.environment === 'staging'));
});
