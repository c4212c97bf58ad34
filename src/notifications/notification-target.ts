// A target as the outbox keeps it: a stable key (so a delivery exists once per event and
// target), and the host the delivery log may show. A URL behind a secret shows the secret's
// name until it is resolved, never the URL itself.
import { createHash } from 'node:crypto';
import type { EventKind } from '../events/platform-event.ts';
import { SECRET_URL_REFERENCE } from '../spec/notification-schema.ts';
import type { NotificationSpec } from '../spec/spec.ts';

export function targetKey(target: Pick<NotificationSpec, 'url' | 'format'>): string {
  return createHash('sha256').update(`${target.format}\n${target.url}`).digest('hex').slice(0, 24);
}

/** The secret a URL names (`${{ secrets.NAME }}` → NAME), or null for a plain URL. */
export function secretNameOf(url: string): string | null {
  return SECRET_URL_REFERENCE.exec(url.trim())?.[1] ?? null;
}

/** What the delivery log shows for a URL: its host (with a port), or `secrets.NAME`. */
export function displayHostOf(url: string): string {
  const secret = secretNameOf(url);
  if (secret !== null) return `secrets.${secret}`;
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}

export function subscribes(target: NotificationSpec, kind: EventKind): boolean {
  return target.events.includes('*') || target.events.includes(kind);
}
