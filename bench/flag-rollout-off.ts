// bench/flags, part "failing cohort → flag off": a real SQLite store, FlagService publishing to a
// real data plane's OFREP port, the flag rollout driver with router figures in which the cohort
// fails 10 % of its requests. Per round: a rollout starts, its first look fails, and the time is
// taken from the failing decision's timestamp (`at`) to the first OFREP answer of the off variant
// (polled in a loop as fast as it answers). Medians over the rounds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlagRolloutDriver } from '../src/engine/flags/flag-rollout-driver.ts';
import { FlagRolloutService } from '../src/engine/flags/flag-rollout-service.ts';
import { FlagService } from '../src/engine/flags/flag-service.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES } from '../src/flags/flag-rollout-records.ts';
import type { FlagPublisher } from '../src/flags/flag-publisher.ts';
import { parseFlagsFile } from '../src/flags/flags-file.ts';
import type { FlagVariantMetrics } from '../src/router/route-table.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { systemClock } from '../src/engine/clock.ts';
import { median } from './bench-kit.ts';

export async function failingCohortOff(publisher: FlagPublisher, ofrepBase: string, serverKey: string, rounds: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-flag-off-'));
  const store = openSqliteStore(path.join(dir, 'sluice.db'));
  try {
    await store.migrate();
    let failing = false;
    const rows = (variant: string, requests: number, errors: number): FlagVariantMetrics => ({ host: 'production.bench.localhost', project: 'bench', environment: 'production', flag: 'checkout', variant, requests, errors5xx: errors, connectFailures: 0, latency: { bounds: [10], counts: [requests, requests], sum: requests } });
    // Before the look: nothing; at the look: 400 cohort requests, 40 of them 5xx, against 3600 clean.
    const figures = { flagMetrics: () => Promise.resolve(failing ? [rows('on', 400, 40), rows('off', 3600, 0)] : []) };
    const flags = new FlagService({
      store, clock: systemClock, logger: { info: () => {}, error: () => {} }, publisher,
      attributed: async (p, e) => (await store.listFlagRollouts({ states: ACTIVE_FLAG_ROLLOUT_STATES, project: p, environment: e })).map((r) => r.flag),
    });
    const driver = new FlagRolloutDriver({ store, flags, figures, clock: systemClock, log: () => {} });
    const service = new FlagRolloutService({ store, flags, clock: systemClock, wake: () => {} });
    const parsed = parseFlagsFile('flags:\n  checkout:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: off\n');
    if (!parsed.ok) throw new Error('flag file');
    await flags.releaseLive('bench', 'production', 1, { fileName: 'flags.yaml', file: parsed.file }, () => {});
    // A user who falls in the 50 % cohort (checked below): the answer changes from on to off.
    const variantOf = async (user: string): Promise<string> => {
      const r = await fetch(`${ofrepBase}/ofrep/v1/evaluate/flags/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` }, body: JSON.stringify({ context: { targetingKey: user } }) });
      return ((await r.json()) as { variant: string }).variant;
    };
    const ms: number[] = [];
    for (let round = 0; round < rounds; round++) {
      failing = false;
      await service.start('bench', 'production', 'checkout', { variant: 'on', steps: '50,100', pause: '1h', analysis: 'maxErrorRate=1%,interval=1s,minSamples=100' }, 'bench');
      await driver.pass(); // step 1: 50 %
      const stepAt = Date.now();
      let user = '';
      for (let i = 0; user === ''; i++) if ((await variantOf(`u${round}-${i}`)) === 'on') user = `u${round}-${i}`;
      // The first look is due one analysis interval (1 s, the shortest allowed) after the step began.
      await new Promise((r) => setTimeout(r, Math.max(0, stepAt + 1050 - Date.now())));
      failing = true;
      const pass = driver.pass(); // the look fails, the flag goes back
      let answer = 'on';
      while (answer !== 'off') answer = await variantOf(user);
      const servedAt = Date.now();
      await pass;
      const r = (await store.latestFlagRollout('bench', 'production', 'checkout'))!;
      const decisions = JSON.parse(r.decisionsJson) as Array<{ at: string; verdict: string }>;
      const failed = decisions.find((d) => d.verdict === 'fail');
      if (r.state !== 'aborted' || !failed) throw new Error(`round ${round}: rollout ${r.state}, no failing decision`);
      ms.push(servedAt - Date.parse(failed.at));
    }
    const sorted = [...ms].sort((a, b) => a - b);
    return `failing cohort → flag off (from the failing decision's timestamp to the first OFREP answer of the off variant; store SQLite, publish over the control socket, ${rounds} rounds): median ${median(ms).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (target < 1 s)`;
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
