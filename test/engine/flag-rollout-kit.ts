// A flag rollout's test kit: a real SQLite store and FlagService (recording what is published),
// a hand-moved clock, fake per-variant router figures, and the events the driver emits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { FlagService } from '../../src/engine/flags/flag-service.ts';
import { FlagRolloutDriver } from '../../src/engine/flags/flag-rollout-driver.ts';
import { FlagRolloutService } from '../../src/engine/flags/flag-rollout-service.ts';
import type { EnvironmentFlags } from '../../src/flags/environment-flags.ts';
import { parseFlagsFile } from '../../src/flags/flags-file.ts';
import type { NewPlatformEvent } from '../../src/events/platform-event.ts';
import type { FlagVariantMetrics } from '../../src/router/route-table.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES } from '../../src/flags/flag-rollout-records.ts';

export const flagFile = `flags:
  checkout:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: off
  color:
    state: ENABLED
    variants: { red: red, blue: blue }
    defaultVariant: red
`;

export class FakeFigures {
  readonly rows = new Map<string, FlagVariantMetrics>();
  /** Adds requests (and 5xx among them) to a variant of checkout on one host. */
  add(variant: string, requests: number, errors = 0, flag = 'checkout', host = 'production.shop.localhost'): void {
    const key = `${host}|${flag}|${variant}`;
    const row = this.rows.get(key) ?? { host, project: 'shop', environment: 'production', flag, variant, requests: 0, errors5xx: 0, connectFailures: 0, latency: { bounds: [10, 100], counts: [0, 0, 0], sum: 0 } };
    row.requests += requests;
    row.errors5xx += errors;
    // Cumulative buckets (le 10 ms, le 100 ms, +Inf): every request in the first.
    row.latency.counts = row.latency.counts.map((c) => c + requests);
    row.latency.sum += 5 * requests;
    this.rows.set(key, row);
  }
  flagMetrics(): Promise<FlagVariantMetrics[]> {
    return Promise.resolve([...this.rows.values()].map((r) => structuredClone(r)));
  }
}

export interface Kit {
  store: SqlStore;
  flags: FlagService;
  service: FlagRolloutService;
  driver: FlagRolloutDriver;
  figures: FakeFigures;
  published: EnvironmentFlags[];
  events: NewPlatformEvent[];
  log: string[];
  clock: { now(): Date; sleep(): Promise<void>; advance(ms: number): void };
  /** A second server on the same store (the first one crashed). */
  restart(): Kit;
}

/** `unattributed`: the service refuses starts with it (the Gateway router's case). */
export async function flagRolloutKit(t: { after(fn: () => Promise<void>): void }, opts: { unattributed?: string } = {}): Promise<Kit> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-flag-rollout-'));
  const store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let ms = Date.UTC(2026, 0, 1);
  const clock = { now: () => new Date(ms), sleep: () => Promise.resolve(), advance: (d: number) => void (ms += d) };
  const figures = new FakeFigures();
  const published: EnvironmentFlags[] = [];
  const events: NewPlatformEvent[] = [];
  const log: string[] = [];
  const build = (): Kit => {
    const flags = new FlagService({
      store, clock, logger: { info: () => {}, error: () => {} },
      publisher: { publish: (f) => Promise.resolve(void published.push(structuredClone(f))), withdraw: () => Promise.resolve() },
      attributed: async (p, e) => (await store.listFlagRollouts({ states: ACTIVE_FLAG_ROLLOUT_STATES, project: p, environment: e })).map((r) => r.flag),
    });
    const driver = new FlagRolloutDriver({ store, flags, figures, clock, log: (l) => log.push(l), events: { emit: (e) => Promise.resolve(void events.push(e)) } });
    const service = new FlagRolloutService({ store, flags, clock, wake: () => driver.wake(), ...opts });
    return { store, flags, service, driver, figures, published, events, log, clock, restart: build };
  };
  const kit = build();
  const parsed = parseFlagsFile(flagFile);
  assert.ok(parsed.ok);
  await kit.flags.releaseLive('shop', 'production', 1, { fileName: 'flags.yaml', file: parsed.file }, () => {});
  return kit;
}

/** What checkout serves now, as the last publish has it. */
export function served(kit: Kit, key = 'checkout'): unknown {
  const last = kit.published.at(-1)!;
  const f = last.flags[key]!;
  return f.targeting ?? f.defaultVariant;
}
