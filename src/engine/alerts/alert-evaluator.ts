// Watches every environment's alerts on the data plane's own figures. One tick: one router
// traffic request for all environments (the rows changed since the last one; and one instance
// list when a restarts alert exists) — or, with a figures source (Prometheus), its figures per
// environment every few seconds (alert-traffic.ts) —, each environment's sliding window moved on, each alert's
// state machine stepped. Only a change of state is written (with its explanation) and emitted;
// the latest figures stay in memory for `sluice alerts`. States are loaded from the store at
// start (and when this server takes the evaluation lease over): a restart keeps them.
import type { AlertChange, AlertStateRecord } from '../../alerts/alert-records.ts';
import type { EventLog } from '../../events/event-log.ts';
import { errorMessage } from '../../errors.ts';
import type { ReleaseMetrics } from '../../router/route-table.ts';
import type { Router } from '../../router/router.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { AlertSpec } from '../../spec/alert-spec.ts';
import { formatDuration } from '../../spec/duration.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { SingletonLease } from '../singleton-lease.ts';
import type { HostNaming } from '../deploy/hosts.ts';
import type { Logger } from '../logger.ts';
import { nextAlertPosition, type AlertFigure, type AlertPosition } from './alert-machine.ts';
import { rollBackForAlert, type AlertRollbackDeps } from './alert-rollback.ts';
import { alertReason, formatAlertValue } from './alert-text.ts';
import { readFiguresTraffic, readsTraffic, type AlertTraffic } from './alert-traffic.ts';
import { EnvironmentWindow } from './environment-window.ts';
import { TrafficTable } from './traffic-table.ts';
import { WatchedEnvironments, type WatchedEnvironment } from './watched-environments.ts';

export interface AlertEvaluatorDeps extends AlertRollbackDeps {
  store: Pick<Store, 'listEnvironments' | 'getRelease' | 'latestRollout' | 'updateRollout' | 'listAlertStates' | 'putAlertState'>;
  router: Pick<Router, 'traffic'>;
  runtime: Pick<Runtime, 'listInstances'>;
  clock: Clock;
  naming: HostNaming;
  logger: Logger;
  eventLog?: EventLog;
  /** Where environments' traffic is read (default: the router's own counters, `router`). */
  traffic?: AlertTraffic;
  /** Time between two ticks (default 500 ms: a breach is seen within half a second). */
  tickMs?: number;
  /** Time between two reads of the watched environments from the store (default 2 s). */
  refreshMs?: number;
  /**
   * Held by the one server that evaluates when several share the store (none: this one always
   * does). The others stand by, and `sluice alerts` on them reads the stored states.
   */
  lease?: Pick<SingletonLease, 'hold' | 'release'>;
}

/** The latest figure of one alert, as the evaluator last measured it. */
export interface LiveAlertFigure extends AlertFigure {
  at: string;
}

const noTraffic: ReadonlyMap<string, ReleaseMetrics> = new Map<string, ReleaseMetrics>();

export class AlertEvaluator {
  private readonly deps: AlertEvaluatorDeps;
  /** Where traffic is read: `deps.traffic`, else the router's own counters. */
  private readonly source: AlertTraffic;
  private readonly watched: WatchedEnvironments;
  private readonly windows = new Map<string, EnvironmentWindow>();
  private readonly states = new Map<string, AlertStateRecord>();
  private readonly live = new Map<string, LiveAlertFigure>();
  private readonly rollingBack = new Set<string>();
  private environments: WatchedEnvironment[] = [];
  private byHost = new Map<string, WatchedEnvironment>();
  private readonly table = new TrafficTable();
  /**
   * Per environment, its rows of the table (`host release` → counters). A map a window holds as
   * a snapshot is never changed: a tick that changes an environment's rows makes a new one.
   */
  private traffic = new Map<string, Map<string, ReleaseMetrics>>();
  private refreshedAt = -Infinity;
  /** When the figures source was last read (traffic from 'figures'). */
  private figuresReadAt = -Infinity;
  /** `project/environment/alert` of the alerts already said to have no traffic source (traffic from 'none'). */
  private readonly toldBlind = new Set<string>();
  private loaded = false;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private failing = false;
  /** False while another server holds the lease (and before the first tick). */
  private evaluating = false;

  constructor(deps: AlertEvaluatorDeps) {
    this.deps = deps;
    this.source = deps.traffic ?? { from: 'router' };
    this.watched = new WatchedEnvironments(deps.store, deps.naming);
  }

  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = (async () => {
      while (!controller.signal.aborted) {
        await this.tick();
        await this.deps.clock.sleep(this.deps.tickMs ?? 500, controller.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    await this.deps.lease?.release().catch((error: unknown) => this.deps.logger.warn(`alerts: the evaluation lease was not freed (it lapses): ${errorMessage(error)}`));
  }

  /** The state of one alert as stored (and kept in memory), or undefined before its first. */
  state(project: string, environment: string, name: string): AlertStateRecord | undefined {
    return this.states.get(`${project}/${environment}/${name}`);
  }

  figure(project: string, environment: string, name: string): LiveAlertFigure | undefined {
    return this.live.get(`${project}/${environment}/${name}`);
  }

  /** Why this server cannot judge the alert (a traffic alert with no traffic source), else undefined. */
  unevaluated(alert: Pick<AlertSpec, 'metric'>): string | undefined {
    const source = this.source;
    return source.from === 'none' && readsTraffic(alert) ? source.why : undefined;
  }

  /** The project's alert states, by `environment/name`: this server's own while it evaluates, else the store's. */
  async currentStates(project: string): Promise<Map<string, AlertStateRecord>> {
    const out = new Map<string, AlertStateRecord>();
    if (this.evaluating || !this.deps.lease) {
      for (const s of this.states.values()) if (s.project === project) out.set(`${s.environment}/${s.name}`, s);
    } else {
      for (const s of await this.deps.store.listAlertStates({ project })) out.set(`${s.environment}/${s.name}`, s);
    }
    return out;
  }

  /** One evaluation of every alert; never throws (a data plane that does not answer keeps the states). */
  async tick(): Promise<void> {
    try {
      if (this.deps.lease && !(await this.deps.lease.hold())) {
        this.standBy();
        return;
      }
      if (!this.evaluating) this.takeOver();
      await this.evaluate();
      if (this.failing) this.deps.logger.info('alerts: evaluating again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.deps.logger.warn(`alerts: evaluation failed, states kept: ${errorMessage(error)}`);
      this.failing = true;
    }
  }

  /** Another server evaluates: what this one measured goes stale, so it is dropped. */
  private standBy(): void {
    if (!this.evaluating) return;
    this.deps.logger.info('alerts: another server evaluates now (it holds the lease)');
    this.evaluating = false;
    this.live.clear();
  }

  /**
   * This server evaluates from now on: the states another server stored meanwhile are read
   * again, and every window starts over (its first full window judges nothing, as after a start).
   */
  private takeOver(): void {
    if (this.deps.lease) this.deps.logger.info('alerts: this server evaluates (it holds the lease)');
    this.evaluating = true;
    this.loaded = false;
    this.states.clear();
    this.windows.clear();
    this.environments = [];
    this.refreshedAt = -Infinity;
    this.figuresReadAt = -Infinity;
  }

  private async evaluate(): Promise<void> {
    const { store, clock } = this.deps;
    if (!this.loaded) {
      for (const s of await store.listAlertStates({})) this.states.set(`${s.project}/${s.environment}/${s.name}`, s);
      this.loaded = true;
    }
    const now = clock.now();
    const t = now.getTime();
    let refreshed = false;
    if (t - this.refreshedAt >= (this.deps.refreshMs ?? 2000)) {
      const before = this.environments;
      this.environments = await this.watched.list();
      this.refreshedAt = t;
      // The list keeps its objects while the live releases stay: only a change re-sorts the rows.
      refreshed = this.environments.length !== before.length || this.environments.some((e, i) => e !== before[i]);
      if (refreshed) this.watchedChanged();
    }
    if (this.environments.length === 0) return;
    const wantsRestarts = this.environments.some((e) => e.alerts.some((a) => a.metric === 'restarts'));
    const source = this.source;
    const [, instances] = await Promise.all([this.readTraffic(source, t, refreshed), wantsRestarts ? this.deps.runtime.listInstances() : Promise.resolve([])]);
    const at = now.toISOString();
    for (const e of this.environments) {
      let window = this.windows.get(e.key);
      if (!window) this.windows.set(e.key, (window = new EnvironmentWindow()));
      // No source: the window gets no traffic at all, so no traffic alert is judged (zeros would fire `requests below`).
      if (source.from === 'none') this.tellBlind(e, source.why);
      else window.addTraffic(t, this.traffic.get(e.key) ?? noTraffic, e.windowMs);
      if (wantsRestarts) {
        const span = Math.max(0, ...e.alerts.filter((a) => a.metric === 'restarts').map((a) => a.forMs));
        const mine = instances.filter((i) => i.labels.project === e.project && i.labels.environment === e.environment && i.labels.role !== 'baseline');
        window.addRestarts(t, mine, span);
      }
      for (const alert of e.alerts) {
        const figure = window.figure(alert);
        if (!figure) continue;
        const key = `${e.key}/${alert.name}`;
        this.live.set(key, { ...figure, at });
        const prev = this.states.get(key);
        const from: AlertPosition = prev ? { state: prev.state, since: prev.since } : { state: 'inconclusive', since: at };
        const next = nextAlertPosition(from, alert, figure, now);
        if (prev && next === from) continue;
        await this.change(e, alert, prev, from, next, figure, now);
      }
    }
  }

  /** This tick's traffic into `this.traffic`: the router's changed rows, or the figures source's every few seconds. */
  private async readTraffic(source: AlertTraffic, t: number, refreshed: boolean): Promise<void> {
    if (source.from === 'router') {
      const read = await this.table.read(this.deps.router);
      this.sortTraffic(read.full || refreshed, read.changed);
    } else if (source.from === 'figures') {
      const watched = this.environments.filter((e) => e.alerts.some(readsTraffic));
      // At least two reads per window: one read per window would leave windows with no change in them.
      const everyMs = Math.min(source.everyMs, ...watched.map((e) => e.windowMs / 2));
      if (!refreshed && t - this.figuresReadAt < everyMs) return;
      this.traffic = await readFiguresTraffic(source.figures, watched);
      this.figuresReadAt = t;
    }
  }

  /** Says once per alert that it is not judged (the Gateway router without --prometheus): never silently quiet. */
  private tellBlind(e: WatchedEnvironment, why: string): void {
    for (const alert of e.alerts.filter(readsTraffic)) {
      const key = `${e.key}/${alert.name}`;
      if (this.toldBlind.has(key)) continue;
      this.toldBlind.add(key);
      this.deps.logger.warn(`[${e.key}] alert ${alert.name} (${alert.metric}) is not evaluated: ${why}`);
    }
  }

  private watchedChanged(): void {
    const keys = new Set(this.environments.map((e) => e.key));
    for (const key of this.windows.keys()) if (!keys.has(key)) this.windows.delete(key);
    this.byHost = new Map<string, WatchedEnvironment>();
    for (const e of this.environments) for (const h of e.hosts) this.byHost.set(h, e);
  }

  /** Sorts the table's rows by environment: all of them after a full read or a refresh, else only those that changed. */
  private sortTraffic(all: boolean, changed: readonly ReleaseMetrics[]): void {
    if (all) {
      this.traffic = new Map<string, Map<string, ReleaseMetrics>>();
      for (const [key, m] of this.table.rows) this.place(key, m, null);
      return;
    }
    const copied = new Set<string>();
    for (const m of changed) this.place(`${m.host} ${m.release}`, m, copied);
  }

  /** `copied`: environments whose map was already copied this tick (null: every map is new). */
  private place(key: string, m: ReleaseMetrics, copied: Set<string> | null): void {
    const e = this.byHost.get(m.host);
    if (!e) return;
    let map = this.traffic.get(e.key);
    if (!map || (copied && !copied.has(e.key))) {
      this.traffic.set(e.key, (map = new Map<string, ReleaseMetrics>(map)));
      copied?.add(e.key);
    }
    map.set(key, m);
  }

  private async change(e: WatchedEnvironment, alert: AlertSpec, prev: AlertStateRecord | undefined, from: AlertPosition, next: AlertPosition, figure: AlertFigure, now: Date): Promise<void> {
    const reason = alertReason(alert, figure, e.windowMs, next.state);
    const change: AlertChange = {
      project: e.project,
      environment: e.environment,
      name: alert.name,
      at: now.toISOString(),
      from: from.state,
      to: next.state,
      metric: alert.metric,
      comparison: alert.comparison,
      value: figure.value,
      threshold: alert.threshold,
      windowMs: alert.metric === 'restarts' ? alert.forMs : e.windowMs,
      samples: figure.samples,
      release: e.release,
      reason,
    };
    const firesRollback = next.state === 'firing' && from.state !== 'firing' && alert.action === 'rollback' && prev?.rolledBackRelease !== e.release;
    const record: AlertStateRecord = {
      project: e.project,
      environment: e.environment,
      name: alert.name,
      state: next.state,
      since: next.since,
      value: figure.value,
      threshold: alert.threshold,
      samples: figure.samples,
      // Written before the rollback starts: a crash in between never rolls the same release back twice.
      rolledBackRelease: firesRollback ? e.release : (prev?.rolledBackRelease ?? null),
      lastChange: change,
    };
    this.states.set(`${e.key}/${alert.name}`, record);
    // The first look at an alert (no state yet) is stored without a change: nothing changed.
    await this.deps.store.putAlertState(record, prev || next.state !== from.state ? change : undefined);
    if (!prev && next.state === from.state) return;
    this.deps.logger.info(`[${e.key}] alert ${alert.name}: ${from.state} → ${next.state}: ${reason}`);
    if (next.state === 'firing' || from.state === 'firing') await this.emit(e, alert, next.state === 'firing' ? 'alert.firing' : 'alert.resolved', change);
    if (firesRollback) await this.rollBack(e, alert, reason);
  }

  private async emit(e: WatchedEnvironment, alert: AlertSpec, kind: 'alert.firing' | 'alert.resolved', c: AlertChange): Promise<void> {
    const window = formatDuration(c.windowMs);
    await this.deps.eventLog?.emit({
      kind,
      project: e.project,
      environment: e.environment,
      release: e.release,
      run: null,
      commit: null,
      cause: `alert:${alert.name}`,
      summary: `${e.environment}: alert ${alert.name} ${kind === 'alert.firing' ? 'firing' : `resolved (${c.to})`}: ${c.reason}`,
      facts: { alert: alert.name, metric: alert.metric, value: c.value, threshold: alert.threshold, window, samples: c.samples, action: alert.action, state: c.to, display: { value: formatAlertValue(alert.metric, c.value), threshold: formatAlertValue(alert.metric, alert.threshold) } },
    });
  }

  private async rollBack(e: WatchedEnvironment, alert: AlertSpec, reason: string): Promise<void> {
    if (this.rollingBack.has(e.key)) return;
    const { started, note } = await rollBackForAlert(this.deps, e.project, e.environment, e.release, alert.name, reason);
    this.deps.logger.info(`[${e.key}] alert ${alert.name}: ${note}`);
    if (!started) return;
    // The rollback runs beside the ticks (it waits for instances); one per environment at a time.
    this.rollingBack.add(e.key);
    started
      .catch((error: unknown) => this.deps.logger.error(`[${e.key}] alert ${alert.name}: rollback of release ${e.release} failed: ${errorMessage(error)}`))
      .finally(() => {
        this.rollingBack.delete(e.key);
        this.refreshedAt = -Infinity; // the live release changed: read it at the next tick
      });
  }
}
