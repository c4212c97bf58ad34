// Registering a repository: the name must be a DNS label, the repository must be reachable
// and the branch must exist. The webhook secret is generated here.
import { ConflictError, InvalidInputError } from '../errors.ts';
import type { Source } from '../source/source.ts';
import type { Project } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { assertDnsLabel } from './names.ts';
import { newWebhookSecret } from '../hooks/signatures.ts';

export async function addProject(
  deps: { store: Store; clock: Clock; sourceOf: (project: Project) => Source },
  input: { name: string; repo: string; branch: string },
): Promise<Project> {
  assertDnsLabel('project', input.name);
  if (!input.repo.trim()) throw new InvalidInputError('--repo is empty: give a local path or a URL git can clone');
  if (!/^[\w./-]+$/.test(input.branch) || input.branch.includes('..')) throw new InvalidInputError(`branch name ${JSON.stringify(input.branch)} is not valid`);
  if (await deps.store.getProject(input.name)) throw new ConflictError(`project ${input.name} already exists`);
  const project: Project = {
    name: input.name,
    repo: input.repo,
    branch: input.branch,
    webhookSecret: newWebhookSecret(),
    lastSeenSha: null,
    createdAt: deps.clock.now().toISOString(),
    statusHost: null,
    statusRepo: null,
    statusApiUrl: null,
  };
  const head = await deps.sourceOf(project).headOf(input.branch);
  if (head === null) throw new InvalidInputError(`branch ${JSON.stringify(input.branch)} does not exist in ${input.repo}`);
  await deps.store.createProject(project);
  return project;
}
