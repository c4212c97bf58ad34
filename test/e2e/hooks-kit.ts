// Webhook end-to-end kit: deliveries shaped and signed like each host's own (push and pull
// request events), posted over real HTTP to a running `sluice server`, and small waits on what
// the server then does (runs, previews, routes, instances).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { signGitea, signGithub, signStandardWebhook } from '../../src/hooks/signatures.ts';
import type { GitHost } from '../../src/hooks/hook-types.ts';
import { appFiles, dataPlaneInstances, registeredProject, type PipelineOptions, type Project } from './fixtures.ts';
import { sleep, viaRouter, type RunJson, type TestServer } from './harness.ts';

export const HOSTS = ['github', 'gitlab', 'bitbucket', 'gitea'] as const satisfies readonly GitHost[];

/** Polling an hour apart: only webhooks (and the first poll at `project add`) start runs. */
export const HOOK_SERVER_ARGS = ['--poll-interval', '1h'];

export interface PushSpec {
  ref: string;
  after: string;
  before?: string;
  /** Files the push touched, listed the way GitHub/GitLab/Gitea list them (Bitbucket lists none). */
  paths?: string[];
}

export type PrAction = 'opened' | 'updated' | 'reopened' | 'closed' | 'merged';

export interface PrSpec {
  action: PrAction;
  number: number;
  headSha: string;
  headRef: string;
  baseRef?: string;
  /** The head before the new commits (GitLab's `oldrev` on updates). */
  oldSha?: string;
  /** Full name of the base repository (default acme/app). */
  baseRepo?: string;
  /** The head lives in this other repository (a fork): its full name differs from the base's. */
  forkRepo?: string;
}

export interface Delivery {
  headers: Record<string, string>;
  body: Buffer;
}

export interface DeliveryOptions {
  deliveryId?: string;
  /** Sign with this secret instead (a forgery when it is not the project's). */
  signWith?: string;
}

const ZERO = '0'.repeat(40);

function commitsOf(after: string, paths: string[] | undefined): unknown[] {
  return [{ id: after, message: 'change', added: [], modified: paths ?? [], removed: [] }];
}

/** The event header and payload of a push, in the host's own shape. */
function pushPayload(host: GitHost, p: PushSpec): { event: string; payload: unknown } {
  const before = p.before ?? ZERO;
  switch (host) {
    case 'github':
      return { event: 'push', payload: { ref: p.ref, before, after: p.after, created: false, deleted: false, commits: commitsOf(p.after, p.paths), repository: { full_name: 'acme/app' } } };
    case 'gitlab':
      return {
        event: p.ref.startsWith('refs/tags/') ? 'Tag Push Hook' : 'Push Hook',
        payload: { object_kind: p.ref.startsWith('refs/tags/') ? 'tag_push' : 'push', ref: p.ref, before, after: p.after, commits: commitsOf(p.after, p.paths), project: { id: 1 } },
      };
    case 'bitbucket': {
      const tag = p.ref.startsWith('refs/tags/');
      const name = p.ref.replace(/^refs\/(heads|tags)\//, '');
      const change = { new: { type: tag ? 'tag' : 'branch', name, target: { type: 'commit', hash: p.after } }, old: null, created: true, closed: false };
      return { event: 'repo:push', payload: { push: { changes: [change] }, repository: { uuid: '{repo-1}', full_name: 'acme/app' } } };
    }
    case 'gitea':
      return { event: 'push', payload: { ref: p.ref, before, after: p.after, commits: commitsOf(p.after, p.paths), repository: { id: 1, full_name: 'acme/app' } } };
  }
}

/** The event header and payload of a pull request event, in the host's own shape. */
function prPayload(host: GitHost, p: PrSpec): { event: string; payload: unknown } {
  const base = p.baseRef ?? 'main';
  const closing = p.action === 'closed' || p.action === 'merged';
  const baseName = p.baseRepo ?? 'acme/app';
  const headName = p.forkRepo ?? baseName;
  const headId = p.forkRepo === undefined ? 1 : 2;
  switch (host) {
    case 'github':
    case 'gitea': {
      const actions: Record<PrAction, string> = { opened: 'opened', updated: host === 'github' ? 'synchronize' : 'synchronized', reopened: 'reopened', closed: 'closed', merged: 'closed' };
      const repo = { id: 1, full_name: baseName, fork: false };
      const headRepo = p.forkRepo === undefined ? repo : { id: headId, full_name: headName, fork: true };
      return {
        event: 'pull_request',
        payload: {
          action: actions[p.action],
          number: p.number,
          pull_request: {
            number: p.number,
            state: closing ? 'closed' : 'open',
            merged: p.action === 'merged',
            head: { ref: p.headRef, sha: p.headSha, repo_id: headId, repo: headRepo },
            base: { ref: base, sha: ZERO, repo_id: 1, repo },
          },
          repository: repo,
        },
      };
    }
    case 'gitlab': {
      const actions: Record<PrAction, string> = { opened: 'open', updated: 'update', reopened: 'reopen', closed: 'close', merged: 'merge' };
      const attrs: Record<string, unknown> = {
        iid: p.number,
        action: actions[p.action],
        state: p.action === 'merged' ? 'merged' : closing ? 'closed' : 'opened',
        source_branch: p.headRef,
        target_branch: base,
        source_project_id: headId,
        target_project_id: 1,
        source: { id: headId, path_with_namespace: headName },
        target: { id: 1, path_with_namespace: baseName },
        last_commit: { id: p.headSha, message: 'change' },
      };
      // Only an update carrying oldrev is one with new commits.
      if (p.action === 'updated') attrs.oldrev = p.oldSha ?? ZERO;
      return { event: 'Merge Request Hook', payload: { object_kind: 'merge_request', object_attributes: attrs, project: { id: 1 } } };
    }
    case 'bitbucket': {
      const events: Record<PrAction, string> = { opened: 'pullrequest:created', updated: 'pullrequest:updated', reopened: 'pullrequest:updated', closed: 'pullrequest:rejected', merged: 'pullrequest:fulfilled' };
      const repo = { type: 'repository', uuid: '{repo-1}', full_name: baseName };
      const headRepo = p.forkRepo === undefined ? repo : { type: 'repository', uuid: '{repo-2}', full_name: headName };
      return {
        event: events[p.action],
        payload: {
          pullrequest: {
            id: p.number,
            state: p.action === 'merged' ? 'MERGED' : closing ? 'DECLINED' : 'OPEN',
            // Bitbucket gives pull request heads as 12-hex short hashes.
            source: { branch: { name: p.headRef }, commit: { hash: p.headSha.slice(0, 12) }, repository: headRepo },
            destination: { branch: { name: base }, commit: { hash: ZERO.slice(0, 12) }, repository: repo },
          },
          repository: repo,
        },
      };
    }
  }
}

/** Headers of one delivery of `event` with `body`, signed with the host's scheme. */
export function signedDelivery(host: GitHost, event: string, body: Buffer, secret: string, o: DeliveryOptions = {}): Delivery {
  const id = o.deliveryId ?? randomUUID();
  const key = o.signWith ?? secret;
  const json = { 'content-type': 'application/json' };
  switch (host) {
    case 'github':
      return { body, headers: { ...json, 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': signGithub(body, key) } };
    case 'gitlab': {
      const ts = Math.floor(Date.now() / 1000);
      const msg = `msg_${id}`;
      return {
        body,
        headers: { ...json, 'x-gitlab-event': event, 'idempotency-key': id, 'webhook-id': msg, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(msg, ts, body, key) },
      };
    }
    case 'bitbucket':
      return { body, headers: { ...json, 'x-event-key': event, 'x-request-uuid': id, 'x-hub-signature': signGithub(body, key) } };
    case 'gitea':
      return { body, headers: { ...json, 'x-gitea-event': event, 'x-gitea-delivery': id, 'x-gitea-signature': signGitea(body, key) } };
  }
}

export function pushDelivery(host: GitHost, secret: string, p: PushSpec, o: DeliveryOptions = {}): Delivery {
  const { event, payload } = pushPayload(host, p);
  return signedDelivery(host, event, Buffer.from(JSON.stringify(payload)), secret, o);
}

export function prDelivery(host: GitHost, secret: string, p: PrSpec, o: DeliveryOptions = {}): Delivery {
  const { event, payload } = prPayload(host, p);
  return signedDelivery(host, event, Buffer.from(JSON.stringify(payload)), secret, o);
}

/** An event the receivers do not handle, in each host's naming. */
export const UNKNOWN_EVENT: Record<GitHost, string> = { github: 'issues', gitlab: 'Note Hook', bitbucket: 'issue:created', gitea: 'issues' };

export interface HookAnswer {
  status: number;
  body: { status?: string; deliveryId?: string | null; reason?: string; code?: string; message?: string };
  /** Milliseconds from sending to the whole answer. */
  ms: number;
}

export async function postHook(server: TestServer, host: string, project: string, d: Delivery): Promise<HookAnswer> {
  const began = performance.now();
  let res: Response;
  try {
    res = await fetch(`${server.url}/hooks/${host}/${project}`, { method: 'POST', headers: d.headers, body: d.body });
  } catch (error) {
    // "fetch failed" alone says nothing: give the cause and the server's state and last words.
    const ended = server.child?.exitCode ?? server.child?.signalCode ?? null;
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw new Error(`POST /hooks/${host}/${project}: ${String(cause)}; server ${ended === null ? 'running' : `ended (${ended})`}; its log ends: ${server.log.slice(-1500)}`, { cause: error });
  }
  const text = await res.text();
  const ms = performance.now() - began;
  let body: HookAnswer['body'] = {};
  try {
    body = JSON.parse(text) as HookAnswer['body'];
  } catch {
    body = { message: text };
  }
  return { status: res.status, body, ms };
}

/** `sluice.yaml` of the fixtures' app with extra top-level YAML appended (previews, triggers). */
export function hookAppFiles(version: string, extraYaml = '', o: PipelineOptions = {}): Record<string, string> {
  const files = appFiles(version, o);
  return { ...files, 'sluice.yaml': `${files['sluice.yaml']}${extraYaml}` };
}

export const PREVIEWS_ON = 'previews:\n  pullRequests: true\n';

export interface HookProject extends Project {
  name: string;
  secret: string;
}

/** A server polling hourly, a repository, the project registered, its first run done, and its webhook secret. */
export async function hookProject(t: TestContext, name: string, files: Record<string, string>, o: { args?: string[]; grants?: readonly string[] } = {}): Promise<HookProject> {
  const p = await registeredProject(t, name, files, { args: [...HOOK_SERVER_ARGS, ...(o.args ?? [])], ...(o.grants ? { grants: o.grants } : {}) });
  const first = await p.server.waitRun(name, p.repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  const shown = await p.server.json<{ webhooks: { secret: string } }>(['project', 'show', name]);
  assert.match(shown.webhooks.secret, /^whsec_/);
  return { ...p, name, secret: shown.webhooks.secret };
}

export function runsOf(server: TestServer, project: string): Promise<RunJson[]> {
  return server.json<RunJson[]>(['runs', project]);
}

/** The newest run of exactly `sha` once it has ended; fails listing the runs there are. */
export async function waitRunEnded(server: TestServer, project: string, sha: string, timeoutMs = 90_000): Promise<RunJson> {
  const deadline = Date.now() + timeoutMs;
  let runs: RunJson[] = [];
  while (Date.now() < deadline) {
    runs = await runsOf(server, project);
    const r = runs.find((x) => x.commit === sha);
    if (r && ['succeeded', 'failed', 'cancelled', 'superseded'].includes(r.state)) return server.json<RunJson>(['run', r.id]);
    await sleep(300);
  }
  throw new Error(`no run of ${sha} ended within ${timeoutMs} ms; runs: ${JSON.stringify(runs.map((r) => [r.number, r.commit.slice(0, 12), r.state, r.trigger]))}`);
}

/** Waits until the server logged the outcome of one accepted delivery; returns that line. */
export async function waitHookOutcome(server: TestServer, deliveryId: string, timeoutMs = 30_000): Promise<string> {
  return server.waitFor(
    `the outcome of delivery ${deliveryId}`,
    async () => server.log.split('\n').find((l) => l.includes(` ${deliveryId} for `)),
    timeoutMs,
  );
}

export interface PreviewJson {
  name: string;
  pullRequest: number;
  url: string;
  commit: string;
  state: string;
  createdAt: string;
  lastRequestAt: string | null;
}

export function previewsOf(server: TestServer, project: string): Promise<PreviewJson[]> {
  return server.json<PreviewJson[]>(['previews', project]);
}

export const previewHost = (number: number, project: string): string => `pr-${number}.${project}.localhost`;

/** Data-plane instances of one environment (any state). */
export async function instancesOf(server: TestServer, project: string, environment: string): Promise<Array<{ id: string; state: string; pid: number | null }>> {
  return (await dataPlaneInstances(server)).filter((i) => i.labels.project === project && i.labels.environment === environment);
}

/** GET / of a preview through the router. */
export function previewGet(server: TestServer, number: number, project: string): Promise<{ status: number; body: string }> {
  return viaRouter(server.routerPort, previewHost(number, project));
}

/** Waits until a preview is gone: its route answers 404, no instances, not listed. */
export async function waitPreviewGone(server: TestServer, project: string, number: number, timeoutMs = 30_000): Promise<void> {
  await server.waitFor(
    `preview pr-${number} of ${project} gone`,
    async () => {
      const [route, instances, list] = await Promise.all([previewGet(server, number, project), instancesOf(server, project, `pr-${number}`), previewsOf(server, project)]);
      return route.status === 404 && instances.length === 0 && !list.some((p) => p.pullRequest === number);
    },
    timeoutMs,
  );
}

/** Makes a commit on `branch` (created from main when new) and returns to main. */
export function commitOn(repo: Project['repo'], branch: string, files: Record<string, string>, message = `change on ${branch}`): string {
  const exists = repo.git('branch', '--list', branch) !== '';
  repo.git('checkout', '-q', ...(exists ? [branch] : ['-b', branch, 'main']));
  try {
    return repo.commit(message, files);
  } finally {
    repo.git('checkout', '-q', 'main');
  }
}
