// Whether the signed-in person may change an environment (promote, flag changes): a deployer or
// admin whose scopes include the project and the environment. Pages show mutating controls only
// then; the server refuses the change anyway (a 403 naming the role needed).
import type { SessionInfo } from './api-client.ts';

export function mayChange(session: SessionInfo, project: string, environment: string): boolean {
  if (session.role !== 'deployer' && session.role !== 'admin') return false;
  if (session.projects !== null && !session.projects.includes(project)) return false;
  return session.environments === null || session.environments.includes(environment);
}
