// `notifications:` in sluice.yaml: where a project's platform events go. A URL is http(s) or a
// `${{ secrets.NAME }}` reference (a Slack webhook URL is itself a credential); event names are
// the closed list of src/events/platform-event.ts, a misspelt one is refused with a suggestion.
import { z } from 'zod';
import { EVENT_KINDS } from '../events/platform-event.ts';
import { didYouMean } from './did-you-mean.ts';
import { COUNT_LIMITS } from './limits.ts';

export const NOTIFICATION_FORMATS = ['webhook', 'slack'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

/** `${{ secrets.NAME }}`, the whole value: the same spelling `env` values use. */
export const SECRET_URL_REFERENCE = /^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** Why a written URL is refused, or undefined when it is an absolute http(s) URL or a secret reference. */
export function notificationUrlProblem(text: string): string | undefined {
  if (SECRET_URL_REFERENCE.test(text.trim())) return undefined;
  if (text.includes('${{')) return 'a secret reference must be the whole value, written ${{ secrets.NAME }}';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(shorten(text))} is not a URL: expected http(s)://HOST/PATH or \${{ secrets.NAME }}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the URL's scheme is ${url.protocol.slice(0, -1)}: expected http or https`;
  if (url.username || url.password) return 'the URL must not hold a user name or password: put the whole URL in a secret instead';
  return undefined;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function unknownEvent(input: unknown): string {
  if (typeof input !== 'string') return `expected an event name such as run.failed, or '*'`;
  const guess = didYouMean(input, EVENT_KINDS);
  return `unknown event ${JSON.stringify(shorten(input))}${guess ? ` (did you mean ${guess}?)` : ''}: expected '*' or one of ${EVENT_KINDS.join(', ')}`;
}

const eventNameSchema = z.union([z.literal('*'), z.enum(EVENT_KINDS)], { error: (issue) => unknownEvent(issue.input) });

export const notificationSchema = z.strictObject({
  url: z
    .string({ error: 'expected a URL (http or https) or ${{ secrets.NAME }}' })
    .superRefine((text, ctx) => {
      const problem = notificationUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('Where events are POSTed: an http(s) URL, or ${{ secrets.NAME }} (a key of a secret group granted to the project).'),
  format: z
    .enum(NOTIFICATION_FORMATS, { error: `expected one of ${NOTIFICATION_FORMATS.join(', ')}` })
    .optional()
    .describe('webhook (default): JSON signed per Standard Webhooks; slack: a Slack incoming-webhook message.'),
  events: z
    .array(eventNameSchema)
    .min(1, { error: "expected at least one event name, or ['*'] for all" })
    .describe(`Event kinds sent to this target, or ['*']: ${EVENT_KINDS.join(', ')}.`),
});

export const notificationsSchema = z
  .array(notificationSchema)
  .max(COUNT_LIMITS.notificationTargets, { error: `expected at most ${COUNT_LIMITS.notificationTargets} notification targets` });
