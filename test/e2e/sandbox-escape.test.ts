// The sandbox holds (issue 10, §3): a build step and an instance of project A try every way out
// we know of toward the data directory, project B, the server and the data plane. Each attempt
// must be refused, the run log and the instance log must show the refusal, B must keep serving
// from the same process, and the data directory must be unchanged byte for byte (see
// `snapshot` for exactly what is compared and why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { alive, TestRepo, TestServer, viaRouter } from './harness.ts';
import { appFiles, dataPlaneInstances, prodHost, waitRunState } from './fixtures.ts';
import { allLogs } from './pipeline-kit.ts';

/**
 * Every attempt prints `REFUSED name: why` or `ESCAPED name: what it got`. Run by A's build
 * step (`step`) and by A's instance before it serves (`instance`). The targets come from
 * targets.env, written by the test: the worst case, an attacker who knows every host path.
 */
const attack = `#!/bin/sh
. ./targets.env
where=$1
try() {
  name=$1; shift
  if out=$( ("$@") 2>&1 ); then echo "ESCAPED $where $name: $(printf %s "$out" | head -c 200 | tr '\\n' ' ')"
  else echo "REFUSED $where $name: $(printf %s "$out" | head -c 200 | tr '\\n' ' ')"; fi
}
echo "SANDBOX $where uid=$(id -u) pid1=$(tr '\\0' ' ' < /proc/1/cmdline | cut -c1-20)"
try master-key cat "$DATA/master.key"
try store head -c 64 "$DATA/sluice.db"
try dataplane-state cat "$DATA/dataplane/state.json"
try b-workspace ls "$B_WORKSPACE"
try b-release cat "$B_RELEASE/VERSION"
try b-logs cat "$B_LOG"
try server-environ cat "/proc/$SERVER_PID/environ"
try write-data-dir sh -c "echo pwned > '$DATA/pwned'"
try write-data-dir-via-workspace sh -c "echo pwned > /workspace/../pwned && test -f '$DATA/pwned'"
try signal-server kill -TERM "$SERVER_PID"
try signal-dataplane kill -TERM "$DP_PID"
try signal-b-instance kill -KILL "$B_PID"
try control-socket curl -sS --max-time 5 --unix-socket "$DATA/dataplane.sock" http://dataplane/instances
echo "ATTACK DONE $where"
`;

/** sha256 of every file under `dir`, by relative path. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/**
 * What must not change while A runs: every file of the data directory except those Sluice
 * itself rewrites because A runs and deploys (so they change legitimately, whoever attacks):
 * the store (sluice.db, -wal, -shm: runs, steps, logs), the data plane's desired state and
 * shim status files (A's instance), run logs and A's instance logs (logs/, but B's instance
 * log IS compared: B is idle, so it changes only if B restarts or someone writes it), A's
 * workspace, artifact, release and git mirror. Nothing new may appear outside those places
 * either (for instance `<data>/pwned`).
 */
function changesAllowed(rel: string, aProject: string, bLog: string): boolean {
  if (rel === bLog) return false;
  return (
    /^sluice\.db(-wal|-shm|-journal)?$/.test(rel) ||
    // The log store and its word index: A's run and instance lines (B's own spool file above must not change).
    /^logs\.db(-words)?(-wal|-shm|-journal)?$/.test(rel) ||
    rel === 'dataplane/state.json' ||
    rel.startsWith('dataplane/shims/') ||
    rel.startsWith('logs/') ||
    rel.startsWith('workspaces/') ||
    rel.startsWith('artifacts/') ||
    rel.startsWith(`releases/${aProject}/`) ||
    rel.startsWith(`repos/${aProject}.git/`)
  );
}

void test('a step and an instance of one project cannot reach the data directory, another project, the server or the data plane', async (t) => {
  const server = await TestServer.start();
  const repoB = new TestRepo(appFiles('b1', { build: 'if [ -f SLOW ]; then sleep 600; fi; echo built' }));
  const repoA = new TestRepo({ ...appFiles('a1', { start: 'sh attack.sh instance; exec node server.js' }), 'attack.sh': attack, 'targets.env': '' });
  t.after(async () => {
    await server.close();
    repoA.remove();
    repoB.remove();
  });

  // B: live in production, and a second run held in its build step (its workspace exists).
  assert.equal((await server.cli(['project', 'add', 'bproj', '--repo', repoB.dir])).code, 0);
  const b1 = await server.waitRun('bproj', repoB.head(), 120_000);
  assert.equal(b1.state, 'succeeded', JSON.stringify(b1));
  // B's process: its host pid (what an attacker would aim at) and the id it answers with.
  const bInstance = (await dataPlaneInstances(server)).find((i) => i.labels.project === 'bproj' && i.labels.environment === 'production');
  const bPid = bInstance!.pid!;
  assert.ok(bPid > 1);
  const bWho = (await viaRouter(server.routerPort, prodHost('bproj'), '/pid')).body;
  const slow = repoB.commit('slow', { SLOW: '1' });
  const bRun2 = await waitRunState(server, 'bproj', slow, 'running', 120_000);
  const bWorkspace = path.join(server.dataDir, 'workspaces', bRun2.id, 'src');
  await server.waitFor('B\'s second build to hold its workspace', async () => fs.existsSync(path.join(bWorkspace, 'SLOW')), 60_000);
  const bReleaseRoot = path.join(server.dataDir, 'releases', 'bproj', 'production');
  const bRelease = path.join(bReleaseRoot, fs.readdirSync(bReleaseRoot).find((d) => /^r\d+$/.test(d))!);
  const bLogRel = path.join('logs', 'instances', fs.readdirSync(path.join(server.dataDir, 'logs', 'instances')).find((f) => f.startsWith('bproj.production.') && f.endsWith('.log'))!);
  const serverPid = server.child!.pid!;
  const dpPid = server.dataPlanePid()!;
  assert.ok(fs.existsSync(path.join(server.dataDir, 'master.key')));
  // The targets really exist on the host: a refusal below is the sandbox's doing, not a typo.
  for (const p of ['master.key', 'sluice.db', 'dataplane/state.json', 'dataplane.sock', bLogRel]) assert.ok(fs.existsSync(path.join(server.dataDir, p)), p);
  assert.ok(fs.existsSync(path.join(bRelease, 'VERSION')));
  assert.ok(alive(serverPid) && alive(dpPid) && alive(bPid));

  const targets = { DATA: server.dataDir, B_WORKSPACE: bWorkspace, B_RELEASE: bRelease, B_LOG: path.join(server.dataDir, bLogRel), SERVER_PID: serverPid, DP_PID: dpPid, B_PID: bPid };
  repoA.commit('targets', { 'targets.env': Object.entries(targets).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n' });
  const pipelineA = appFiles('a1', { build: 'sh attack.sh step', start: 'sh attack.sh instance; exec node server.js' })['sluice.yaml']!;
  repoA.commit('pipeline', { 'sluice.yaml': pipelineA });

  const before = hashes(server.dataDir);
  assert.equal((await server.cli(['project', 'add', 'aproj', '--repo', repoA.dir])).code, 0);
  const a = await server.waitRun('aproj', repoA.head(), 180_000);
  // The step's attempts, in the run log.
  const stepLines = (await allLogs(server, a.id)).map((l) => l.line);
  assert.equal(a.state, 'succeeded', `${a.reason}\n${stepLines.join('\n')}`);
  const instanceLogFile = await server.waitFor('A\'s instance log to show its attack', async () => {
    const dir = path.join(server.dataDir, 'logs', 'instances');
    const f = fs.readdirSync(dir).find((x) => x.startsWith('aproj.production.') && x.endsWith('.log'));
    return f && fs.readFileSync(path.join(dir, f), 'utf8').includes('ATTACK DONE instance') ? path.join(dir, f) : undefined;
  }, 60_000);
  const instanceLines = fs.readFileSync(instanceLogFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { line: string }).line);
  const attempts = ['master-key', 'store', 'dataplane-state', 'b-workspace', 'b-release', 'b-logs', 'server-environ', 'write-data-dir', 'write-data-dir-via-workspace', 'signal-server', 'signal-dataplane', 'signal-b-instance', 'control-socket'];
  for (const [where, lines] of [['step', stepLines], ['instance', instanceLines]] as const) {
    assert.ok(lines.some((l) => l.includes(`ATTACK DONE ${where}`)), `${where}: the attack did not run to its end:\n${lines.join('\n')}`);
    assert.deepEqual(lines.filter((l) => l.startsWith('ESCAPED')), [], `${where} escaped`);
    for (const name of attempts) assert.ok(lines.some((l) => l.startsWith(`REFUSED ${where} ${name}:`)), `${where}: no refusal logged for ${name}:\n${lines.join('\n')}`);
    const id = lines.find((l) => l.startsWith(`SANDBOX ${where}`))!;
    // Its own PID namespace: pid 1 is bwrap, not the host's init.
    assert.match(id, /pid1=\S*bwrap /, id);
    // An unprivileged uid: never root, whoever runs the server.
    assert.doesNotMatch(id, /uid=0 /, id);
  }

  // B keeps serving from the same process; the server and the data plane live.
  assert.deepEqual(await viaRouter(server.routerPort, prodHost('bproj')), { status: 200, body: 'b1' });
  assert.equal((await viaRouter(server.routerPort, prodHost('bproj'), '/pid')).body, bWho);
  assert.equal((await dataPlaneInstances(server)).find((i) => i.id === bInstance!.id)?.pid, bPid);
  assert.ok(alive(serverPid) && alive(dpPid) && alive(bPid));
  assert.equal((await fetch(`${server.url}/api/health`)).status, 200);

  // Nothing in the data directory changed but what A's own run and deploy legitimately write.
  const after = hashes(server.dataDir);
  for (const [rel, hash] of before) {
    if (changesAllowed(rel, 'aproj', bLogRel)) continue;
    assert.equal(after.get(rel), hash, `${rel} changed or vanished`);
  }
  for (const rel of after.keys()) if (!before.has(rel)) assert.ok(changesAllowed(rel, 'aproj', bLogRel), `${rel} appeared in the data directory`);
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'pwned')));
});

void test('outside any mount namespace, the sandbox user still cannot read the data directory or use the control socket', { skip: process.getuid?.() !== 0 ? 'needs root: the sandbox user exists only when Sluice runs as root' : false }, async (t) => {
  // The first line of defence is that no path of the data directory exists in a sandbox; this
  // is the second: had a path leaked in, the kernel would still refuse the sandbox user.
  const server = await TestServer.start();
  t.after(() => server.close());
  const uid = Number(execFileSync('id', ['-u', 'sluice-sandbox'], { encoding: 'utf8' }).trim());
  const asSandboxUser = (cmd: string): { code: number; out: string } => {
    try {
      const out = execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'sh', '-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: 0, out };
    } catch (error) {
      const e = error as { status: number; stderr: string };
      return { code: e.status, out: e.stderr };
    }
  };
  assert.equal((fs.statSync(server.dataDir).mode & 0o777).toString(8), '700');
  for (const f of ['master.key', 'sluice.db', 'dataplane/state.json']) {
    const file = path.join(server.dataDir, f);
    assert.ok(fs.existsSync(file), f);
    assert.equal(fs.statSync(file).mode & 0o077, 0, `${f} is readable by group or others`);
    const r = asSandboxUser(`cat '${file}'`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /Permission denied/, f);
  }
  const sock = path.join(server.dataDir, 'dataplane.sock');
  assert.equal(fs.statSync(sock).mode & 0o077, 0);
  const r = asSandboxUser(`curl -sS --max-time 5 --unix-socket '${sock}' http://dataplane/instances`);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /Permission denied|Couldn't connect/);
  // The server's user itself still gets in (the check above is not a broken socket).
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(sock, () => (c.destroy(), resolve()));
    c.on('error', reject);
  });
});
