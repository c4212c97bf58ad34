// Which live changes a topic names (the list is at the top of live.ts). Pure: no DOM, no Preact.
import type { LiveChangeJson } from '../../src/api/schemas/live-schemas.ts';

export type LiveChange = LiveChangeJson;
export type LiveTopic = string | ((change: LiveChange) => boolean);

/** Whether a change belongs to a topic (the topics are listed at the top of live.ts). */
export function matches(topic: LiveTopic, c: LiveChange): boolean {
  if (typeof topic === 'function') return topic(c);
  if (topic === '*') return true;
  const colon = topic.indexOf(':');
  const kind = topic.slice(0, colon);
  const rest = topic.slice(colon + 1);
  const slash = rest.indexOf('/');
  const project = slash < 0 ? rest : rest.slice(0, slash);
  const env = slash < 0 ? null : rest.slice(slash + 1);
  if (kind === 'run') return c.kind === 'run' && c.run.id === rest;
  if (c.project !== project) return false;
  switch (kind) {
    case 'project':
      return true;
    case 'environment':
      return (c.kind === 'environment' || c.kind === 'event') && c.environment === env;
    case 'flag':
      return c.kind === 'flag' && c.environment === env;
    case 'event':
      return c.kind === 'event';
    case 'traffic':
      return c.kind === 'traffic';
    default:
      return false;
  }
}
