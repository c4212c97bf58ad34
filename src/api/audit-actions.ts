// Stable, readable action names of the audit trail, by route (METHOD + pattern as registered).
// A test reads the server's real route table: every route that changes something has a name here.
export const auditActions: Readonly<Record<string, string>> = {
  'POST /api/projects': 'project.add',
  'PUT /api/projects/:name/status-target': 'project.set-status-target',
  'POST /api/projects/:name/trigger': 'run.trigger',
  'POST /api/runs/:id/cancel': 'run.cancel',
  'POST /api/runs/:id/approve': 'run.approve',
  'POST /api/runs/:id/reject': 'run.reject',
  'POST /api/projects/:name/environments/:env/rollback': 'environment.rollback',
  'POST /api/projects/:name/environments/:env/redeploy': 'environment.redeploy',
  'POST /api/projects/:name/environments/:env/promote': 'rollout.promote',
  'POST /api/projects/:name/environments/:env/abort': 'rollout.abort',
  'PUT /api/projects/:name/environments/:env/flags/:key': 'flag.set',
  'POST /api/projects/:name/environments/:env/flags/:key/revert': 'flag.revert',
  'POST /api/projects/:name/environments/:env/flags/:key/rollout': 'flag.rollout',
  'POST /api/projects/:name/environments/:env/flags/:key/rollout/abort': 'flag.rollout-abort',
  'POST /api/projects/:name/environments/:env/flags/:key/rollout/promote': 'flag.rollout-promote',
  'GET /api/secrets/:group/:key': 'secret.read',
  'PUT /api/secrets/:group/:key': 'secret.set',
  'DELETE /api/secrets/:group/:key': 'secret.unset',
  'PUT /api/secrets/:group/grants/:project': 'secret.grant',
  'DELETE /api/secrets/:group/grants/:project': 'secret.revoke-grant',
  'POST /api/secrets/rotate-key': 'secret.rotate-key',
  'POST /api/projects/:name/rotate-webhook-secret': 'project.rotate-webhook-secret',
  'POST /api/tokens': 'token.create',
  'POST /api/tokens/:token/revoke': 'token.revoke',
  'POST /api/session': 'session.sign-in',
  'DELETE /api/session': 'session.sign-out',
  'POST /api/backup': 'backup.create',
  'POST /api/dataplane/shutdown': 'dataplane.shutdown',
  'POST /hooks/:host/:project': 'webhook.receive',
  'GET /api/auth/oidc/callback': 'session.sign-in-oidc',
};

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isMutating(method: string): boolean {
  return !readOnly.has(method.toUpperCase());
}

/** The action of a call: its name in the table, else METHOD and pattern (or path, for no route). */
export function auditActionOf(method: string, pattern: string | undefined, path: string): string {
  const m = method.toUpperCase();
  return (pattern !== undefined ? auditActions[`${m} ${pattern}`] : undefined) ?? `${m} ${pattern ?? path}`;
}
