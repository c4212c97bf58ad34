// What starts a run and what it records: the commit's full SHA, author and message, the
// trigger (`poll`, `manual`), and `--ref` building exactly the commit it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allLogs, getRun, setup, waitId, type FullRun } from './pipeline-kit.ts';

const pipeline = `build:
  - run: echo "version $(cat VERSION) of $SLUICE_COMMIT"
test:
  - run: test -s VERSION
`;

function built(lines: { stream: string; line: string }[]): string[] {
  return lines.filter((l) => l.stream === 'stdout' && l.line.startsWith('version ')).map((l) => l.line);
}

void test('a polled commit records its SHA, author, message and trigger; manual triggers and --ref build what they name', async (t) => {
  const { server, repo, name } = await setup(t, 'trig', { 'sluice.yaml': pipeline, VERSION: 'v1\n' }, {});
  const first = repo.head();
  repo.git('tag', 'v1');

  const polled = await server.waitRun(name, first);
  assert.equal(polled.state, 'succeeded', JSON.stringify(polled));
  assert.match(polled.commit, /^[0-9a-f]{40}$/);
  assert.equal(polled.commit, first);
  assert.equal(polled.author, 'Test Author <author@example.test>');
  assert.equal(polled.message.trim(), 'initial');
  assert.equal(polled.trigger, 'poll');

  const manual = await server.json<FullRun>(['trigger', name]);
  assert.equal(manual.trigger, 'manual');
  assert.equal(manual.commit, first);
  const manualDone = await waitId(server, manual.id);
  assert.equal(manualDone.state, 'succeeded');
  assert.equal(manualDone.trigger, 'manual');
  assert.ok(manualDone.number > polled.number);

  // A second commit moves the branch; --ref with the tag and with the SHA build the first one.
  const second = repo.commit('second version\n\nwith a body', { VERSION: 'v2\n' });
  const polledSecond = await server.waitRun(name, second);
  assert.equal(polledSecond.state, 'succeeded');
  assert.equal(polledSecond.message.split('\n')[0], 'second version');
  assert.deepEqual(built(await allLogs(server, polledSecond.id)), [`version v2 of ${second}`]);

  for (const ref of ['v1', first, first.slice(0, 10)]) {
    const r = await server.json<FullRun>(['trigger', name, '--ref', ref]);
    assert.equal(r.commit, first, `--ref ${ref}`);
    const done = await waitId(server, r.id);
    assert.equal(done.state, 'succeeded', `--ref ${ref}: ${JSON.stringify(done)}`);
    assert.equal(done.trigger, 'manual');
    assert.deepEqual(built(await allLogs(server, r.id)), [`version v1 of ${first}`], `--ref ${ref} built another commit`);
  }
  // The branch head is still what the next plain trigger builds.
  const head = await server.json<FullRun>(['trigger', name]);
  assert.equal(head.commit, second);
  assert.equal((await waitId(server, head.id)).state, 'succeeded');
  assert.equal((await getRun(server, head.id)).author, 'Test Author <author@example.test>');
});
