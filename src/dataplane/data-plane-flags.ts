// The data plane's flag table: each environment's last EnvironmentFlags (with the hashes of its
// two keys) on disk, one file per environment, <data>/dataplane/flags/PROJECT.ENV.json, read back
// at start entry by entry (a bad one is skipped with an error naming it, the others serve), and
// evaluated in memory. flagd-core is loaded with the first environment that has flags: a data
// plane without any never pays for it (docs/decisions/0034).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { errorMessage, InvalidInputError, NotFoundError } from '../errors.ts';
import { writeFileDurable } from '../fs/write-file-durable.ts';
import { EnvironmentEvaluator, loadFlagd, type FlagdModule } from '../flags/environment-evaluator.ts';
import { environmentFlagsSchema, type EnvironmentFlags } from '../flags/environment-flags.ts';
import { dnsLabel, type FlagKeyHashes } from '../flags/ofrep/flag-keys.ts';
import type { ServedFlags } from '../flags/ofrep/ofrep-handler.ts';

const hash = z.string().regex(/^[0-9a-f]{64}$/, 'not a hex SHA-256');

/** PUT /flags/:project/:environment, and each file of <data>/dataplane/flags. */
export const flagsBodySchema = z.object({
  flags: environmentFlagsSchema,
  keys: z.object({ server: hash, client: hash }),
});
export type FlagsBody = { flags: EnvironmentFlags; keys: FlagKeyHashes };

export interface ServedVersion {
  project: string;
  environment: string;
  version: number;
  flags: number;
}

export function flagsDirOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'flags');
}

const fileName = (project: string, environment: string): string => `${project}.${environment}.json`;

export class DataPlaneFlags {
  private readonly dir: string;
  private readonly log: (line: string) => void;
  private readonly served = new Map<string, ServedFlags>();
  private core: Promise<FlagdModule> | null = null;

  constructor(dataDir: string, log: (line: string) => void) {
    this.dir = flagsDirOf(dataDir);
    this.log = log;
  }

  /** The hot path of every evaluation: one map read. */
  lookup(project: string, environment: string): ServedFlags | undefined {
    return this.served.get(`${project}/${environment}`);
  }

  private flagdCore(): Promise<FlagdModule> {
    this.core ??= loadFlagd();
    return this.core;
  }

  /** Reads every stored environment back; one that no longer validates or builds is skipped, named. */
  async restore(): Promise<void> {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`error: flag state ${this.dir} is unreadable: ${errorMessage(error)}`);
      return;
    }
    if (files.length === 0) return;
    const flagd = await this.flagdCore();
    for (const file of files) {
      try {
        const checked = flagsBodySchema.safeParse(JSON.parse(fs.readFileSync(path.join(this.dir, file), 'utf8')));
        if (!checked.success) throw new Error(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const body = checked.data;
        if (file !== fileName(body.flags.project, body.flags.environment)) throw new Error(`it names ${body.flags.project}/${body.flags.environment}`);
        this.served.set(`${body.flags.project}/${body.flags.environment}`, { evaluator: new EnvironmentEvaluator(flagd, body.flags), keys: body.keys });
      } catch (error) {
        this.log(`error: skipping flags ${JSON.stringify(file)} of the data-plane state: ${errorMessage(error)}`);
      }
    }
    if (this.served.size) this.log(`flags: ${this.served.size} environment(s) restored`);
  }

  /** Checks, builds, writes down, then swaps in; an older version than the one served is kept out. Resolves with what is served. */
  async put(project: string, environment: string, raw: unknown): Promise<ServedVersion> {
    const checked = flagsBodySchema.safeParse(raw);
    if (!checked.success) throw new InvalidInputError(`flags of ${project}/${environment}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const body: FlagsBody = checked.data;
    for (const [what, v] of [['project', project], ['environment', environment]] as const) {
      if (!dnsLabel.test(v)) throw new InvalidInputError(`${what} ${JSON.stringify(v.slice(0, 100))} is not a DNS label`);
    }
    if (body.flags.project !== project || body.flags.environment !== environment) throw new InvalidInputError(`the body names ${body.flags.project}/${body.flags.environment}, the path ${project}/${environment}`);
    const current = this.lookup(project, environment);
    if (current && current.evaluator.version > body.flags.version) return this.versionOf(current);
    const evaluator = new EnvironmentEvaluator(await this.flagdCore(), body.flags, current?.evaluator);
    writeFileDurable(path.join(this.dir, fileName(project, environment)), JSON.stringify(body), { mode: 0o600 });
    const served = { evaluator, keys: body.keys };
    this.served.set(`${project}/${environment}`, served);
    return this.versionOf(served);
  }

  delete(project: string, environment: string): void {
    const key = `${project}/${environment}`;
    if (!dnsLabel.test(project) || !dnsLabel.test(environment)) throw new NotFoundError('flags of environment', key);
    const had = this.served.delete(key);
    const file = path.join(this.dir, fileName(project, environment));
    const existed = fs.existsSync(file);
    fs.rmSync(file, { force: true });
    if (!had && !existed) throw new NotFoundError('flags of environment', key);
  }

  list(): ServedVersion[] {
    return [...this.served.values()].map((s) => this.versionOf(s));
  }

  private versionOf(s: ServedFlags): ServedVersion {
    return { project: s.evaluator.project, environment: s.evaluator.environment, version: s.evaluator.version, flags: s.evaluator.keys.length };
  }
}
