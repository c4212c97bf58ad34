// bench/image: image build and push of the example project (examples/hello), against the
// tar.gz artifact alone. Alternated rounds on one machine:
//   artifact: packDirectory (what every build does);
//   artifact + image: the same, then RegistryPublisher.publish to a local docker-registry
//     (distribution 2.8 on loopback): read the base, pack the layer, mount the base layers,
//     upload the layer and the config, PUT the manifest. Each round pushes a new repository,
//     so the layer is uploaded every time (no "already there" shortcut).
// The base is the tests' busybox image (no network here). Options: --rounds N (15).
import fs from 'node:fs';
import path from 'node:path';
import { packDirectory } from '../src/artifact/tar-archive.ts';
import { RegistryPublisher } from '../src/image/registry-publisher.ts';
import { tempDir, root } from '../test/e2e/harness.ts';
import { pushBusyboxBase, registryMissing, startRegistry } from '../test/image/registry-kit.ts';
import { benchMain, machine, median, ms } from './bench-kit.ts';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 15;

await benchMain('image', 10 * 60_000, async (onCleanup) => {
  const missing = registryMissing();
  if (missing) throw new Error(missing);
  const reg = await startRegistry();
  onCleanup(() => reg.stop());
  pushBusyboxBase(reg, 'base/busybox:1', { index: true });
  const work = tempDir('bench-image');
  onCleanup(() => fs.rmSync(work, { recursive: true, force: true }));
  const app = path.join(work, 'hello');
  fs.cpSync(path.join(root, 'examples', 'hello'), app, { recursive: true });
  const publisher = new RegistryPublisher({ registry: reg.url, credentials: async () => null });
  const artifactOnly: number[] = [];
  const withImage: number[] = [];
  let size = 0;
  for (let i = 0; i < ROUNDS + 1; i++) {
    for (const kind of i % 2 ? (['image', 'artifact'] as const) : (['artifact', 'image'] as const)) {
      const t0 = performance.now();
      const packed = await packDirectory(app, path.join(work, `a-${i}-${kind}.tar.gz`));
      size = packed.size;
      if (kind === 'image') {
        await publisher.publish({
          dir: app, project: `hello-${i}`, repo: 'examples/hello', runId: `bench-${i}`, runNumber: i + 1, commitSha: '0'.repeat(40),
          artifactDigest: `sha256:${packed.sha256}`, image: { base: `${reg.host}/base/busybox:1`, workdir: '/app' }, service: { start: 'node server.js', env: {} },
        });
      }
      const elapsed = performance.now() - t0;
      // Round 0 warms both paths (module load, first connection) and is not counted.
      if (i > 0) (kind === 'image' ? withImage : artifactOnly).push(elapsed);
    }
  }
  const a = median(artifactOnly);
  const b = median(withImage);
  console.log(machine());
  console.log(`examples/hello: artifact ${size} bytes; ${ROUNDS} alternated rounds (after one warm-up)`);
  console.log(`artifact (tar.gz) alone:           median ${ms(a, 1)}`);
  console.log(`artifact + image build and push:   median ${ms(b, 1)}`);
  console.log(`ratio: ${(b / a).toFixed(2)}× (image adds ${ms(b - a, 1)} per build)`);
});
