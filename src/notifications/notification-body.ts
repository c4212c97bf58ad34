// What a target receives for one event. `webhook`: {type, timestamp, data} (the Standard
// Webhooks payload shape) with every fact of the event. `slack`: an incoming-webhook message,
// `text` (the notification's fallback) and `blocks` (what Slack shows).
import type { PlatformEvent } from '../events/platform-event.ts';
import type { NotificationFormat } from '../spec/notification-schema.ts';

export interface EventLinks {
  /** The run in the API, at the server's public URL; absent for events without a run. */
  run?: string;
}

export function webhookBody(event: PlatformEvent, links: EventLinks): Record<string, unknown> {
  return {
    type: event.kind,
    timestamp: event.at,
    data: {
      ...event.facts,
      id: event.id,
      summary: event.summary,
      project: event.project,
      environment: event.environment,
      release: event.release,
      run: event.run,
      commit: event.commit ? { sha: event.commit.sha, message: event.commit.message, author: event.commit.author, committedAt: event.commit.committedAt } : null,
      cause: event.cause,
      links,
    },
  };
}

const ICONS: Partial<Record<PlatformEvent['kind'], string>> = {
  'run.succeeded': ':white_check_mark:',
  'run.failed': ':x:',
  'run.waiting': ':hourglass:',
  rollback: ':rewind:',
  'rollout.aborted': ':no_entry:',
  'alert.firing': ':rotating_light:',
  'certificate.failed': ':lock:',
};

/** Slack's mrkdwn: &, < and > are its control characters. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackBody(event: PlatformEvent, links: EventLinks): Record<string, unknown> {
  const icon = ICONS[event.kind] ?? ':information_source:';
  const where = [event.project, event.environment].filter((x) => x !== null).join(' / ');
  const text = `${icon} [${where}] ${event.kind}: ${event.summary}`;
  const fields: string[] = [];
  if (event.release !== null) fields.push(`*Release*\n${event.release}`);
  if (event.run) fields.push(`*Run*\n${links.run ? `<${links.run}|#${event.run.number}>` : `#${event.run.number}`}`);
  if (event.commit) fields.push(`*Commit*\n\`${event.commit.sha.slice(0, 12)}\` ${escapeSlack(event.commit.message.split('\n')[0] ?? '')} (${escapeSlack(event.commit.author)})`);
  fields.push(`*Cause*\n${escapeSlack(event.cause)}`);
  const approve = typeof event.facts.approveCommand === 'string' ? event.facts.approveCommand : null;
  return {
    text: escapeSlack(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${escapeSlack(where)}* — \`${event.kind}\`\n${escapeSlack(event.summary)}` } },
      { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
      ...(approve ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `Approve with \`${escapeSlack(approve)}\`` }] }] : []),
    ],
  };
}

export function bodyOf(format: NotificationFormat, event: PlatformEvent, links: EventLinks): string {
  return JSON.stringify(format === 'slack' ? slackBody(event, links) : webhookBody(event, links));
}
