// Notices new commits on each project's tracked branch by polling the repository.
import { errorMessage } from '../errors.ts';
import type { Project } from '../store/records.ts';
import type { Logger } from './logger.ts';
import { enqueueRun, type TriggerDeps } from './triggers.ts';
import { matchesAny } from './previews/glob.ts';

export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly lastError = new Map<string, string>();

  private readonly deps: TriggerDeps;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly onRun: () => void;

  constructor(
    deps: TriggerDeps,
    intervalMs: number,
    logger: Logger,
    onRun: () => void,
  ) {
    this.deps = deps;
    this.intervalMs = intervalMs;
    this.logger = logger;
    this.onRun = onRun;
  }

  start(): void {
    this.timer = setInterval(() => void this.pollAll(), this.intervalMs);
    void this.pollAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async pollAll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const project of await this.deps.store.listProjects()) await this.poll(project);
    } catch (error) {
      this.logger.error('polling failed', error);
    } finally {
      this.polling = false;
    }
  }

  private async pathsMatch(project: Project, from: string | null, to: string): Promise<boolean> {
    if (from === null) return true; // the first commit seen always runs
    const source = this.deps.sourceOf(project);
    const text = await source.readFile(to, 'sluice.yaml').catch(() => null);
    // The schema (zod, yaml) loads on the first spec read, not in an idle server.
    const { parseSpec } = await import('../spec/parse-spec.ts');
    const parsed = text === null ? null : parseSpec(text);
    const paths = parsed?.ok ? parsed.spec.triggers.paths : [];
    if (paths.length === 0) return true;
    const changed = await source.changedPaths(from, to).catch(() => null);
    return changed === null || changed.some((p) => matchesAny(p, paths));
  }

  async poll(project: Project): Promise<void> {
    try {
      const sha = await this.deps.sourceOf(project).headOf(project.branch);
      this.lastError.delete(project.name);
      if (!sha || sha === project.lastSeenSha) return;
      // The commit's own `triggers.paths` apply to polls as to webhooks (a monorepo project
      // runs only when its files change).
      if (!(await this.pathsMatch(project, project.lastSeenSha, sha))) {
        await this.deps.store.updateProject(project.name, { lastSeenSha: sha });
        this.logger.info(`${project.name}: commit ${sha.slice(0, 12)} changes no path of triggers.paths: no run`);
        return;
      }
      // Run first, then record: a crash between the two queues the commit again on restart
      // (the duplicate supersedes the first), and never loses it.
      await enqueueRun(this.deps, project, { sha, trigger: 'poll' });
      await this.deps.store.updateProject(project.name, { lastSeenSha: sha });
      this.onRun();
    } catch (error) {
      const message = errorMessage(error);
      if (this.lastError.get(project.name) !== message) this.logger.warn(`polling ${project.name}: ${message}`);
      this.lastError.set(project.name, message);
    }
  }
}
