import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { Instance } from './instance.ts';
/** Node's timers hold at most 2^31 − 1 ms; a longer delay would fire at once. */
export const maxTimerMs = 2_147_483_647;
import type { InstanceSettings } from './instance.ts';
import { adoptShim } from './shim/spawn-shim.ts';
import type { InstanceSpec, InstanceStatus, SupervisorOptions } from './types.ts';

export { killProcessGroup } from './process-group.ts';
export type { InstanceExit, InstanceSpec, InstanceState, InstanceStatus, SupervisorOptions } from './types.ts';

/** Keeps the service instances of this machine alive: one Instance per id. */
export class Supervisor {
  readonly #settings: InstanceSettings;
  readonly #instances = new Map<string, Instance>();

  constructor(opts: SupervisorOptions) {
    const onChange = opts.onChange;
    this.#settings = {
      path: opts.path,
      home: opts.home,
      graceMs: opts.graceMs ?? 10_000,
      backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
      tcpReadyDeadlineMs: opts.tcpReadyDeadlineMs ?? 60_000,
      notify: onChange ? (status) => onChange(status) : () => {},
      secretEnv: opts.secretEnv ?? (() => ({})),
      logLimits: opts.logLimits ?? (() => undefined),
      sandbox: opts.sandbox ?? null,
      scratchDirOf: (spec) => join(opts.scratchDir ?? join(dirname(spec.logFile), '.scratch'), spec.id),
      statusFileOf: (spec) => join(opts.shimDir ?? join(dirname(spec.logFile), '.shims'), `${spec.id}.json`),
    };
  }

  /** Starts the instance, or returns the status of the one already known by this id (its spec is not re-read). */
  start(spec: InstanceSpec): InstanceStatus {
    const existing = this.#instances.get(spec.id);
    if (existing) return existing.status();
    validate(spec);
    const instance = new Instance(spec, this.#settings);
    this.#instances.set(spec.id, instance);
    instance.begin();
    return instance.status();
  }

  /**
   * Takes over the instance's process when an earlier data plane left it running under its
   * shim; returns null (nothing adopted) when it is not running any more.
   */
  adopt(spec: InstanceSpec): InstanceStatus | null {
    const existing = this.#instances.get(spec.id);
    if (existing) return existing.status();
    validate(spec);
    const found = adoptShim(this.#settings.statusFileOf(spec));
    if (!('handle' in found)) return null;
    const instance = new Instance(spec, this.#settings);
    this.#instances.set(spec.id, instance);
    instance.adopt(found.handle);
    return instance.status();
  }

  /** Stops and forgets the instance; resolves at once for an unknown id. */
  async stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    const instance = this.#instances.get(id);
    if (!instance) return;
    try {
      await instance.stop(opts.graceMs);
      rmSync(this.#settings.statusFileOf(instance.spec), { force: true }); // nothing left to adopt
      rmSync(this.#settings.scratchDirOf(instance.spec), { recursive: true, force: true });
    } finally {
      if (this.#instances.get(id) === instance) this.#instances.delete(id);
    }
  }

  status(id: string): InstanceStatus | undefined {
    return this.#instances.get(id)?.status();
  }

  list(): InstanceStatus[] {
    return [...this.#instances.values()].map((instance) => instance.status());
  }

  /** Resolves once ready; rejects with a RuntimeError when it fails, is stopped, or the time runs out. */
  waitReady(id: string, timeoutMs: number): Promise<InstanceStatus> {
    const instance = this.#instances.get(id);
    if (!instance) return Promise.reject(new NotFoundError('instance', id));
    return instance.waitReady(timeoutMs);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#instances.keys()].map((id) => this.stop(id)));
  }
}

function validate(spec: InstanceSpec): void {
  const problems: string[] = [];
  if (spec.id.trim() === '') problems.push('id is empty');
  if (spec.command.trim() === '') problems.push('command is empty');
  if (spec.cwd === '') problems.push('cwd is empty');
  if (spec.logFile === '') problems.push('logFile is empty');
  const health = spec.health;
  if (health) {
    if (!health.path.startsWith('/')) problems.push('health.path must start with /');
    for (const key of ['intervalMs', 'timeoutMs', 'deadlineMs'] as const) {
      if (!(Number.isFinite(health[key]) && health[key] > 0 && health[key] <= maxTimerMs)) problems.push(`health.${key} must be a positive number of at most ${maxTimerMs} ms`);
    }
  }
  if (problems.length > 0) throw new InvalidInputError(`invalid instance spec ${JSON.stringify(spec.id)}: ${problems.join('; ')}`, { id: spec.id, problems });
}
