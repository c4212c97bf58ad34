// The Runtime contract on the process runtime: a real in-process data plane runs the instances.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import type { ArtifactStore } from '../../src/artifact/artifact-store.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { ProcessRuntime } from '../../src/runtime/process/process-runtime.ts';
import { CONTRACT_APP, describeRuntimeContract } from './runtime-contract.ts';

describeRuntimeContract('process runtime', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-rt-contract-'));
  const dp = new DataPlane({ dataDir, routerPort: 0, path: process.env.PATH ?? '/usr/bin:/bin', home: homedir(), log: () => {}, masterKey: randomBytes(32) });
  await dp.start();
  const control = createControlServer(dp, dataDir, () => {});
  await listenOnSocket(control, socketPathOf(dataDir));
  t.after(async () => {
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
    await dp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  // The artifact of every release: the contract's instance program.
  const artifacts = {
    unpack: async (_digest: string, dest: string) => {
      mkdirSync(dest, { recursive: true });
      writeFileSync(path.join(dest, 'app.js'), CONTRACT_APP);
    },
  } as unknown as ArtifactStore;
  return {
    runtime: new ProcessRuntime(new DataPlaneClient(socketPathOf(dataDir)), artifacts, dataDir),
    project: 'shop',
    release: (n) => ({ key: `shop/staging/r${n}`, artifactDigest: `sha256:${String(n).padStart(64, '0')}` }),
    command: `exec "${process.execPath}" app.js`,
  };
});
