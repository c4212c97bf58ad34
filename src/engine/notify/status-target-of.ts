// Where a project's run states go: its status target (host, repo, API URL) and the token,
// kept as a secret (group `sluice.status`), never in the project record.
import { isGitHost } from '../../hooks/hook-types.ts';
import type { GitHost } from '../../hooks/hook-types.ts';
import type { Project } from '../../store/records.ts';
import type { SecretService } from '../secrets/secret-service.ts';

export const statusTokenGroup = 'sluice.status';

export function statusTokenKey(project: string): string {
  return `TOKEN_${project.toUpperCase().replace(/-/g, '_')}`;
}

/** Where and with what token a project's commit statuses are posted (notify/ posts them). */
export interface ProjectStatusTarget {
  host: GitHost;
  repo: string;
  apiUrl: string;
  token: string;
}

/** `defaultApiUrl`: the host's public API, when the project names none (given by the notifier). */
export async function statusTargetOf(project: Project | undefined, secrets: SecretService, defaultApiUrl: (host: GitHost) => string): Promise<ProjectStatusTarget | null> {
  if (!project?.statusHost || !project.statusRepo || !isGitHost(project.statusHost)) return null;
  const token = await secrets.readInternal(statusTokenGroup, statusTokenKey(project.name));
  if (!token) return null;
  const host = project.statusHost;
  return { host, repo: project.statusRepo, apiUrl: project.statusApiUrl ?? defaultApiUrl(host), token };
}
