// The Logs and Flags pages' places in the URL space:
//   /logs?project=…&env=…&q=…[&follow=1]   /logs?run=ID
//   /flags                                  /projects/:name/environments/:env/flags[/:key]
import type { ApiClient, SessionInfo } from './api-client.ts';
import { FlagPage } from './flag-page.tsx';
import { matchFlagsPath } from './flag-paths.ts';
import { FlagListPage, FlagsIndexPage } from './flags-page.tsx';
import { LogsPage } from './logs-page.tsx';

export interface PageProps {
  api: ApiClient;
  onError: (error: unknown) => boolean;
  session: SessionInfo;
  path: string;
  search: URLSearchParams;
}

/** The page of `path` among Logs and Flags, or null when the path is not one of theirs. */
export function logsFlagsPage({ api, onError, session, path, search }: PageProps) {
  if (path === '/logs') return <LogsPage api={api} onError={onError} search={search} />;
  if (path === '/flags') return <FlagsIndexPage api={api} onError={onError} />;
  const flags = matchFlagsPath(path);
  if (flags === null) return null;
  if (flags.key === null) return <FlagListPage key={path} api={api} onError={onError} project={flags.project} environment={flags.environment} />;
  return <FlagPage key={path} api={api} onError={onError} session={session} project={flags.project} environment={flags.environment} flagKey={flags.key} />;
}
