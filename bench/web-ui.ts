// bench/web-ui [--reps N]: what serving the dashboard costs the server's memory, and the size of
// its initial JavaScript. Per rep: a server as installed (the shebang's Node flags) with one
// project; VmRSS after 10 s idle before any page was asked for (the baseline, same run), then
// after 50 dashboard loads (index.html, its gzipped assets, the session and the Overview's API
// calls, signed in with a session cookie) and 10 s idle. Medians of 5 readings 500 ms apart.
import { execFileSync } from 'node:child_process';
import { TestRepo, TestServer, adminTokenOf, root, runCli } from '../test/e2e/harness.ts';
import { benchMain, machine, median, sleep } from './bench-kit.ts';
import { memoryOf } from './preview-density-kit.ts';

const reps = Number(process.argv[process.argv.indexOf('--reps') + 1] || 3) || 3;
// --api-only: only the idle server (no dashboard calls), to run in a checkout without a dashboard
// (the commit before it) as the baseline of the first figure.
const apiOnly = process.argv.includes('--api-only');

async function rssNow(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(memoryOf(pid)?.rssMiB ?? Number.NaN);
    await sleep(500);
  }
  return median(xs);
}

async function loadDashboard(url: string, cookie: string): Promise<void> {
  const html = await (await fetch(`${url}/`)).text();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) await (await fetch(`${url}${m[1]}`, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer();
  for (const p of ['/api/session', '/api/projects', '/api/projects/hello/status']) {
    const res = await fetch(`${url}${p}`, { headers: { cookie } });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}

await benchMain('web-ui', 20 * 60_000, async (onCleanup) => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const size = apiOnly ? { initialJsGzipBytes: Number.NaN } : (JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', 'scripts/web-size.ts', '--json'], { cwd: root, encoding: 'utf8' })) as { initialJsGzipBytes: number });
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  onCleanup(() => repo.remove());
  const before: number[] = [];
  const after: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const server = await TestServer.start([], {}, { asInstalled: true });
    onCleanup(() => server.close());
    const added = await runCli(['project', 'add', 'hello', '--repo', repo.dir], { server: server.url });
    if (added.code !== 0) throw new Error(added.stderr);
    const pid = server.child!.pid!;
    await sleep(10_000);
    before.push(await rssNow(pid));
    if (apiOnly) {
      await server.close();
      console.log(`rep ${rep + 1}: server idle RSS ${before.at(-1)!.toFixed(1)} MiB (no dashboard calls)`);
      continue;
    }
    const signIn = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: adminTokenOf(server.url) }) });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    for (let i = 0; i < 50; i++) await loadDashboard(server.url, cookie);
    await sleep(10_000);
    after.push(await rssNow(pid));
    await server.close();
    console.log(`rep ${rep + 1}: server idle RSS ${before.at(-1)!.toFixed(1)} MiB before any page, ${after.at(-1)!.toFixed(1)} MiB after 50 dashboard loads`);
  }
  console.log(`\n${machine()}`);
  if (apiOnly) return void console.log(`server idle RSS (as installed, median of ${reps}): ${median(before).toFixed(1)} MiB`);
  console.log(`initial JavaScript: ${(size.initialJsGzipBytes / 1024).toFixed(1)} KB gzipped (budget 150 KB)`);
  console.log(`server idle RSS (as installed, median of ${reps}): ${median(before).toFixed(1)} MiB before any page, ${median(after).toFixed(1)} MiB with the dashboard served (target ≤ 70 MiB)`);
});
