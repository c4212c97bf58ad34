// Where a project's run states go: its status target (host, repo, API URL) and the token,
// kept as a secret (group `sluice.status`), never in the project record.
import type { GitHost } from '../../hooks/hook-types.ts';
import type { StatusTarget } from '../../notify/post-commit-status.ts';
import { defaultApiUrl } from '../../notify/post-commit-status.ts';
import type { Project } from '../../store/records.ts';
import type { SecretService } from '../secrets/secret-service.ts';

export const statusTokenGroup = 'sluice.status';

export function statusTokenKey(project: string): string {
  return `TOKEN_${project.toUpperCase().replace(/-/g, '_')}`;
}

export async function statusTargetOf(project: Project | undefined, secrets: SecretService): Promise<StatusTarget | null> {
  if (!project?.statusHost || !project.statusRepo) return null;
  const token = await secrets.readInternal(statusTokenGroup, statusTokenKey(project.name));
  if (!token) return null;
  const host = project.statusHost as GitHost;
  return { host, repo: project.statusRepo, apiUrl: project.statusApiUrl ?? defaultApiUrl(host), token };
}
