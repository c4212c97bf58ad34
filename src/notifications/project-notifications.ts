// A project's notification settings as the notifier needs them: the targets of the sluice.yaml
// its branch last checked out (never a pull request's or another branch's file, so a pull
// request cannot send the project's events elsewhere), its signing secret (created on first
// use, sealed like secret values), and a target URL with its secret reference resolved.
import { z } from 'zod';
import { eventKindSchema } from '../events/platform-event.ts';
import { NotFoundError, InvalidInputError } from '../errors.ts';
import { NOTIFICATION_FORMATS } from '../spec/notification-schema.ts';
import type { NotificationSpec } from '../spec/spec.ts';
import type { Store } from '../store/store.ts';
import { parseStored } from '../store/stored-json.ts';
import { secretNameOf } from './notification-target.ts';
import { newSigningSecret } from './standard-webhooks.ts';

const storedTargets = z.object({
  notifications: z
    .array(z.object({ url: z.string().min(1), format: z.enum(NOTIFICATION_FORMATS), events: z.array(z.union([z.literal('*'), eventKindSchema])) }))
    .default([]),
});

export interface ProjectNotificationsDeps {
  store: Pick<Store, 'getProject' | 'listRuns' | 'getNotificationSecret' | 'putNotificationSecret'>;
  secrets: { grants(): Promise<Array<{ group: string; project: string }>>; readInternal(group: string, key: string): Promise<string | null> };
  sealer: { encrypt(plaintext: string, aad: string): string; decrypt(sealedJson: string, aad: string): string };
  now: () => Date;
}

/** Runs looked at for the newest checked-out file of the project's branch. */
const RUNS_SCANNED = 50;

export function signingSecretAad(project: string): string {
  return `notification-secret:${project}`;
}

export class ProjectNotifications {
  readonly #deps: ProjectNotificationsDeps;

  constructor(deps: ProjectNotificationsDeps) {
    this.#deps = deps;
  }

  async targetsOf(project: string): Promise<readonly NotificationSpec[]> {
    const p = await this.#deps.store.getProject(project);
    if (!p) return [];
    const run = (await this.#deps.store.listRuns(project, RUNS_SCANNED)).find((r) => r.preview === null && r.branch === p.branch && r.specJson !== null);
    if (!run?.specJson) return [];
    return parseStored(storedTargets, run.specJson, `run ${run.id}`).notifications;
  }

  /** The project's `whsec_…` secret; made and stored (sealed) the first time it is asked for. */
  async signingSecretOf(project: string): Promise<string> {
    if (!(await this.#deps.store.getProject(project))) throw new NotFoundError('project', project);
    const aad = signingSecretAad(project);
    let sealed = await this.#deps.store.getNotificationSecret(project);
    sealed ??= await this.#deps.store.putNotificationSecret(project, this.#deps.sealer.encrypt(newSigningSecret(), aad), this.#deps.now().toISOString());
    return this.#deps.sealer.decrypt(sealed, aad);
  }

  /** A plain URL as written; `${{ secrets.NAME }}` → the value of NAME in the one group granted to the project that has it. */
  async resolveUrl(project: string, url: string): Promise<string> {
    const name = secretNameOf(url);
    if (name === null) return url;
    const groups = (await this.#deps.secrets.grants()).filter((g) => g.project === project).map((g) => g.group).sort();
    const found: Array<{ group: string; value: string }> = [];
    for (const group of groups) {
      const value = await this.#deps.secrets.readInternal(group, name);
      if (value !== null) found.push({ group, value });
    }
    const [only, second] = found;
    if (!only) throw new InvalidInputError(`secret ${name} is in no secret group granted to project ${project}`);
    if (second) throw new InvalidInputError(`secret ${name} is in more than one group granted to project ${project} (${found.map((f) => f.group).join(', ')}): keep it in one`);
    const value = only.value.trim();
    if (!/^https?:\/\//i.test(value)) throw new InvalidInputError(`secret ${name} (group ${only.group}) does not hold an http(s) URL`);
    return value;
  }
}
