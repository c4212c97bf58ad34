// `sluice logs RUN` / `sluice logs PROJECT --env ENV`: read, search (--grep and filters) and
// follow logs. --json prints one JSON object a line, following too. A follow that loses its
// connection reconnects with Last-Event-ID: no line is lost or printed twice.
import type { Command } from 'commander';
import { ApiError, type ApiClient } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { backoffDelay } from '../../backoff.ts';
import type { LogEntryJson as LogJson, LogPageJson } from '../../api/schemas/observe-schemas.ts';

interface LogsFlags {
  env?: string;
  grep?: string;
  since?: string;
  until?: string;
  release?: string;
  level?: string;
  service?: string;
  instance?: string;
  limit?: string;
  tail?: string;
  follow?: boolean;
  json?: boolean;
}

const enc = encodeURIComponent;
/** The API's largest page. */
const pageMax = 10_000;

function printer(json: boolean): (l: LogJson) => void {
  if (json) return (l) => process.stdout.write(`${JSON.stringify(l)}\n`);
  return (l) => {
    const prefix = l.instance ? `[${l.instance}] ` : l.source === 'deploy' ? `[deploy ${l.environment ?? ''}${l.release ? ` r${l.release}` : ''}] ` : '';
    const text = `${prefix}${l.line}`;
    if (l.stream === 'stderr') process.stderr.write(`${text}\n`);
    else process.stdout.write(`${text}\n`);
  };
}

/** The search parameters given (q is --grep). */
function searchParams(o: LogsFlags): URLSearchParams {
  const p = new URLSearchParams();
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined) p.set(key, value);
  };
  set('q', o.grep);
  set('since', o.since);
  set('until', o.until);
  set('release', o.release);
  set('level', o.level);
  set('service', o.service);
  set('instance', o.instance);
  return p;
}

/** The newest `limit` matching lines, printed oldest first (pages of the API are newest first). */
async function search(api: ApiClient, base: string, params: URLSearchParams, limit: number, print: (l: LogJson) => void): Promise<void> {
  const found: LogJson[] = [];
  let before: number | null = null;
  while (found.length < limit) {
    const page = new URLSearchParams(params);
    page.set('limit', String(Math.min(pageMax, limit - found.length)));
    if (before !== null) page.set('before', String(before));
    const r: LogPageJson = await api.get(`${base}?${page.toString()}`);
    if (r.warning && before === null) process.stderr.write(`warning: ${r.warning}\n`);
    found.push(...r.entries);
    if (r.next === null) break;
    before = r.next;
  }
  for (const l of found.reverse()) print(l);
}

/** A run's whole log, page by page (the earlier reading: oldest first by `after`). */
async function wholeRun(api: ApiClient, id: string, print: (l: LogJson) => void): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await api.get<LogJson[]>(`/api/runs/${enc(id)}/logs?after=${after}`);
    if (page.length === 0) return;
    for (const l of page) print(l);
    after = page[page.length - 1]!.id;
  }
}

/** Follows until the server sends `end` (a run) or forever (an environment), reconnecting after drops. */
async function follow(api: ApiClient, path: string, print: (l: LogJson) => void): Promise<void> {
  let lastId: string | undefined;
  let ended = false;
  let attempt = 0;
  for (;;) {
    try {
      await api.stream(
        path,
        (event, data, id) => {
          if (id !== undefined) lastId = id;
          attempt = 0;
          if (event === 'line') print(data as LogJson);
          if (event === 'end') {
            ended = true;
            const end = data as { state: string; reason?: string | null };
            process.stderr.write(`-- run ${end.state}${end.reason ? `: ${end.reason}` : ''}\n`);
            if (end.state !== 'succeeded') process.exitCode = 1;
          }
        },
        lastId,
      );
      if (ended) return;
    } catch (error) {
      // A refusal (bad query, no such run, no token) will not change by asking again.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) throw error;
      if (attempt === 0) process.stderr.write(`-- ${(error as Error).message}; reconnecting\n`);
    }
    await new Promise((r) => setTimeout(r, backoffDelay(attempt++, 200, 5000)));
  }
}

export function logsCommand(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("a run's log (`sluice logs RUN`) or an environment's logs (`sluice logs PROJECT --env ENV`): instances' output and deploy events; search with --grep and filters")
    .argument('<run-or-project>', 'run id or PROJECT#NUMBER, or a project with --env')
    .option('--env <env>', 'the logs of this environment of the project')
    .option('--grep <text>', 'lines containing every word (case-insensitive); "a phrase" as one; word:W a whole word; level:, service:, instance:, release:, stream:, source: filter')
    .option('--since <time>', 'lines at or after this time: ISO (2026-12-05T14:00Z) or a duration ago (1h, 30m, 2d)')
    .option('--until <time>', 'lines before this time: ISO or a duration ago')
    .option('--release <n>', 'lines of this release')
    .option('--level <level>', 'lines of this level and above (trace, debug, info, warn, error, fatal), parsed from JSON lines')
    .option('--service <name>', 'lines of this service')
    .option('--instance <id>', 'lines of this instance')
    .option('--limit <n>', 'a search shows the newest N matching lines (default 1000)')
    .option('--tail <n>', 'an environment: the newest N lines (default 1000)')
    .option('-f, --follow', 'keep printing new lines (reconnects after a dropped connection)')
    .option('--json', 'one JSON object a line: {id, at, source, project, environment, release, runId, stepId, service, instance, stream, level, line}')
    .action(async (target: string, o: LogsFlags, cmd: Command) => {
      const api = ctx.api(cmd);
      const print = printer(Boolean(o.json));
      const params = searchParams(o);
      const base = o.env ? `/api/projects/${enc(target)}/environments/${enc(o.env)}/logs` : `/api/runs/${enc(target)}/logs`;
      const searching = [...params.keys()].length > 0 || o.limit !== undefined;
      if (o.follow) {
        const p = new URLSearchParams(params);
        p.set('follow', '1');
        if (o.tail !== undefined) p.set('tail', o.tail);
        if (o.limit !== undefined) p.set('limit', o.limit);
        return follow(api, `${base}?${p.toString()}`, print);
      }
      if (searching) {
        const limit = o.limit === undefined ? 1000 : Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new ApiError(400, 'invalid_input', `--limit must be an integer from 1 to 100000, got ${JSON.stringify(o.limit)}`);
        return search(api, base, params, limit, print);
      }
      if (!o.env) return wholeRun(api, target, print);
      const lines = await api.get<LogJson[]>(`${base}${o.tail === undefined ? '' : `?tail=${enc(o.tail)}`}`);
      for (const l of lines) print(l);
    });
}
