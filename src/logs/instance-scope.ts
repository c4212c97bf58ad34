// Whose line it is, from an instance id: PROJECT.ENV.SERVICE.rN.I (src/runtime/process; names
// are DNS labels without dots). Pure, small: the data plane imports it for the access log.
import type { NewLogEntry } from './log-store.ts';

export function instanceScope(id: string): Pick<NewLogEntry, 'project' | 'environment' | 'service' | 'release'> {
  const [project = id, environment = null, service = null, release] = id.split('.');
  const n = release && /^r\d+$/.test(release) ? Number(release.slice(1)) : null;
  return { project, environment, service, release: n };
}
