// A data plane with flags, for the OFREP tests: in-process DataPlane over a temp data dir, its
// control socket, the control plane's FlagPublisher and keys.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { DataPlaneFlagPublisher } from '../../src/dataplane/data-plane-flag-publisher.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import type { DataPlane, DataPlaneOptions } from '../../src/dataplane/data-plane.ts';
import type { EnvironmentFlags } from '../../src/flags/environment-flags.ts';
import { FlagKeyMaker } from '../../src/flags/ofrep/flag-keys.ts';
import { dataPlaneKit, type Kit } from '../dataplane/dp-kit.ts';

/** Five value types, targeting, a fractional split, a disabled and an archived flag. */
export function shopFlags(version = 1, over: Partial<EnvironmentFlags> = {}): EnvironmentFlags {
  return {
    project: 'shop',
    environment: 'production',
    version,
    flags: {
      'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', null] } },
      'banner-text': { state: 'ENABLED', variants: { hello: 'Hello', bye: 'Goodbye' }, defaultVariant: 'hello' },
      'max-items': { state: 'ENABLED', variants: { few: 3, many: 50 }, defaultVariant: 'many' },
      'discount': { state: 'ENABLED', variants: { none: 0, some: 0.15 }, defaultVariant: 'some' },
      'theme': { state: 'ENABLED', variants: { dark: { color: 'black', contrast: 2 }, light: { color: 'white', contrast: 1 } }, defaultVariant: 'light' },
      'rollout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } },
      'old-thing': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    },
    evaluators: {},
    clientFlags: ['banner-text', 'theme'],
    archived: ['removed-flag'],
    ...over,
  };
}

export interface FlagsKit {
  kit: Kit;
  dp: DataPlane;
  client: DataPlaneClient;
  publisher: DataPlaneFlagPublisher;
  keys: FlagKeyMaker;
  baseUrl: string;
  serverKey: string;
  clientKey: string;
}

export async function flagsKit(t: TestContext, opts: Partial<DataPlaneOptions> = {}, kit = dataPlaneKit(t)): Promise<FlagsKit> {
  const dp = await kit.start(opts);
  const server = createControlServer(dp, kit.dataDir, () => {});
  const socketPath = socketPathOf(kit.dataDir);
  await listenOnSocket(server, socketPath);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = new DataPlaneClient(socketPath);
  const keys = new FlagKeyMaker(randomBytes(32));
  return {
    kit,
    dp,
    client,
    publisher: new DataPlaneFlagPublisher(client, keys),
    keys,
    baseUrl: `http://127.0.0.1:${dp.flags.port}`,
    serverKey: keys.key('server', 'shop', 'production'),
    clientKey: keys.key('client', 'shop', 'production'),
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}
