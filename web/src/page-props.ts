// What every signed-in page is given by App.
import type { ApiClient, SessionInfo } from './api-client.ts';

export interface PageProps {
  api: ApiClient;
  session: SessionInfo;
  /** A 401 ends the session (back to sign-in); true when it handled the error. */
  onError: (error: unknown) => boolean;
}

/** Whether the session may make changes that concern no single project (secrets, tokens): an unlimited admin, as the API's `adminGlobal`. */
export function isGlobalAdmin(session: SessionInfo): boolean {
  return session.role === 'admin' && session.projects === null && session.environments === null;
}
