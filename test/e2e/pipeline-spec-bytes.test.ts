// The checkout stage reads sluice.yaml from the commit as bytes: invalid UTF-8 fails the run at
// checkout with the line and column of the bad byte (as `sluice validate` says), not later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allLogs, setup } from './pipeline-kit.ts';

void test('a commit whose sluice.yaml is not UTF-8 fails at checkout naming the byte, line and column', async (t) => {
  const { server, repo, name } = await setup(t, 'latin', { 'sluice.yaml': 'build:\n  - run: "true"\n' });
  const first = await server.waitRun(name, repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  // "café" in Latin-1: 0xe9 is not UTF-8.
  fs.writeFileSync(path.join(repo.dir, 'sluice.yaml'), Buffer.from('build:\n  - name: caf\xe9\n    run: echo BUILD-RAN\n', 'latin1'));
  const sha = repo.commit('latin-1 file', {});
  const run = await server.waitRun(name, sha);
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.equal(run.reason, 'sluice.yaml is invalid: 1 error(s), first: sluice.yaml:2:14: invalid UTF-8 (byte 0xe9): the file must be UTF-8 text');
  const lines = (await allLogs(server, run.id)).map((l) => l.line);
  assert.ok(lines.includes('sluice.yaml:2:14: invalid UTF-8 (byte 0xe9): the file must be UTF-8 text'), lines.join('\n'));
  assert.ok(!lines.includes('BUILD-RAN'));
});
