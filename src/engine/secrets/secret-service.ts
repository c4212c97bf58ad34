// Secret groups, shared by every project of a server (like Northflank's). Values are sealed
// under a data key (src/secrets/keyring.ts) with their identity as AAD; the API never
// returns a value except through `get`, which is audited. Releases hold references
// (group, key, version), resolved to values only when an instance or step starts.
import { InvalidInputError, NotFoundError, ErrorCode, SluiceError } from '../../errors.ts';
import { ENV_VAR_NAME, isReservedSecretGroup, RESERVED_SECRET_GROUP_PREFIX, SECRET_GROUP_NAME } from '../../spec/names.ts';
import type { SecretGrant } from '../../store/records.ts';
import { assertDnsLabel } from '../names.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';

export const maxSecretBytes = 64 * 1024;

export interface Sealer {
  encrypt(plaintext: string, aad: string): string;
  decrypt(sealedJson: string, aad: string): string;
}

export interface SecretRef {
  group: string;
  key: string;
  version: number;
}

export interface SecretListing {
  key: string;
  version: number;
  createdBy: string;
  createdAt: string;
}

/** One version of a key as a history shows it: an `unset` version is the tombstone `sluice secret unset` wrote. */
export interface SecretVersion {
  key: string;
  version: number;
  state: 'set' | 'unset';
  createdBy: string;
  createdAt: string;
}

function aadOf(group: string, key: string, version: number): string {
  return `secret:${group}/${key}/${version}`;
}

export class SecretService {
  /** Called with every value the server holds, whenever they change (for log redaction). */
  private listeners: Array<(values: string[]) => void> = [];

  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly clock: Clock;

  constructor(
    store: Store,
    sealer: Sealer,
    clock: Clock,
  ) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
  }

  onValues(listener: (values: string[]) => void): void {
    this.listeners.push(listener);
  }

  private static checkNames(group: string, key?: string): void {
    if (!SECRET_GROUP_NAME.test(group)) throw new InvalidInputError(`secret group name ${JSON.stringify(group)} is not valid: letters, digits, '.', '_' and '-', starting with a letter or digit`);
    if (key !== undefined && !ENV_VAR_NAME.test(key)) {
      throw new InvalidInputError(`secret key ${JSON.stringify(key)} is not a valid environment variable name (letters, digits and _, not starting with a digit)`);
    }
  }

  async set(group: string, key: string, value: string, actor: string): Promise<SecretListing> {
    SecretService.checkNames(group, key);
    if (Buffer.byteLength(value) > maxSecretBytes) throw new SluiceError(ErrorCode.tooLarge, `the value of ${group}/${key} is ${Buffer.byteLength(value)} bytes: the limit is ${maxSecretBytes}`);
    if (value.length === 0) throw new InvalidInputError(`the value of ${group}/${key} is empty (use \`sluice secret unset\` to remove a key)`);
    const now = this.clock.now().toISOString();
    const row = await this.store.putSecret(group, key, (version) => this.sealer.encrypt(value, aadOf(group, key, version)), { deleted: false, createdBy: actor, createdAt: now });
    await this.publish();
    return { key, version: row.version, createdBy: actor, createdAt: now };
  }

  async unset(group: string, key: string, actor: string): Promise<void> {
    SecretService.checkNames(group, key);
    const latest = (await this.store.latestSecrets(group)).find((r) => r.key === key);
    if (!latest || latest.deleted) throw new NotFoundError('secret', `${group}/${key}`);
    const now = this.clock.now().toISOString();
    await this.store.putSecret(group, key, () => '', { deleted: true, createdBy: actor, createdAt: now });
    await this.publish();
  }

  async list(group: string): Promise<SecretListing[]> {
    SecretService.checkNames(group);
    const rows = (await this.store.latestSecrets(group)).filter((r) => !r.deleted);
    return rows.map((r) => ({ key: r.key, version: r.version, createdBy: r.createdBy, createdAt: r.createdAt }));
  }

  groups(): Promise<string[]> {
    return this.store.listSecretGroups();
  }

  /**
   * Every version of a key, newest first, unset ones included; never a value (viewers read it).
   * A key never set is not found, naming whether its group exists.
   */
  async versions(group: string, key: string): Promise<SecretVersion[]> {
    SecretService.checkNames(group, key);
    const rows = await this.store.secretVersions(group, key);
    if (rows.length === 0) throw await this.missingKey(group, key);
    return rows.map((r) => ({ key: r.key, version: r.version, state: r.deleted ? 'unset' : 'set', createdBy: r.createdBy, createdAt: r.createdAt }));
  }

  /**
   * A value, for an admin: the current one, or `version` (what an older release was made
   * with). Every read is audited: `audit` records it (target `GROUP/KEY@VERSION`) before the
   * value is decrypted; if recording fails, nothing is returned.
   */
  async get(group: string, key: string, audit: (target: string) => Promise<void>, version?: number): Promise<{ key: string; version: number; value: string }> {
    SecretService.checkNames(group, key);
    const row = version === undefined ? (await this.store.latestSecrets(group)).find((r) => r.key === key) : await this.store.getSecret(group, key, version);
    if (!row) throw version === undefined ? await this.missingKey(group, key) : new NotFoundError('secret version', `${group}/${key}@${version}`, `see \`sluice secret history ${group} ${key}\``);
    if (row.deleted) {
      const what = version === undefined ? `${group}/${key}` : `${group}/${key}@${version}`;
      throw new NotFoundError('secret', what, version === undefined ? `it was unset (its versions: \`sluice secret history ${group} ${key}\`)` : 'that version unset the key: it has no value');
    }
    await audit(`${group}/${key}@${row.version}`);
    return { key, version: row.version, value: this.sealer.decrypt(row.sealed, aadOf(group, key, row.version)) };
  }

  /** The not-found error of a key: it names the group as missing when the group has no key at all. */
  private async missingKey(group: string, key: string): Promise<NotFoundError> {
    const known = (await this.store.listSecretGroups()).includes(group);
    return new NotFoundError('secret', `${group}/${key}`, known ? `group ${group} has no key ${key} (see \`sluice secret list ${group}\`)` : `there is no secret group ${group} (see \`sluice secret list\`)`);
  }

  /**
   * Lets a project's sluice.yaml name a group. The project may not exist yet (its first run can
   * then use the group); the group may not either. False when it was granted already.
   */
  async grant(group: string, project: string, actor: string): Promise<{ grant: SecretGrant; created: boolean }> {
    SecretService.checkGrantable(group, project);
    const grant: SecretGrant = { group, project, createdBy: actor, createdAt: this.clock.now().toISOString() };
    const created = await this.store.grantSecretGroup(grant);
    const stored = (await this.store.listSecretGrants({ group, project }))[0] ?? grant;
    return { grant: stored, created };
  }

  async revokeGrant(group: string, project: string): Promise<void> {
    SecretService.checkGrantable(group, project);
    if (!(await this.store.revokeSecretGrant(group, project))) throw new NotFoundError('secret grant', `${group} to ${project}`, `see \`sluice secret list\``);
  }

  grants(): Promise<SecretGrant[]> {
    return this.store.listSecretGrants();
  }

  /**
   * Throws, naming each group and the command that grants it, unless every group is granted
   * to the project. Checked wherever a group enters a run or a release (checkout, deploy,
   * redeploy, rollback): a revoked grant takes effect at the next of these.
   */
  async assertGranted(project: string, groups: readonly string[]): Promise<void> {
    const wanted = [...new Set(groups)];
    const reserved = wanted.filter(isReservedSecretGroup);
    if (reserved.length) {
      throw new SluiceError(ErrorCode.secretNotGranted, `secret group ${reserved.map((g) => JSON.stringify(g)).join(', ')} is kept by Sluice for itself (names starting with "${RESERVED_SECRET_GROUP_PREFIX}"): no sluice.yaml can name it`, {
        details: { project, groups: reserved },
      });
    }
    const granted = new Set((await this.store.listSecretGrants({ project })).map((g) => g.group));
    const missing = wanted.filter((g) => !granted.has(g));
    if (missing.length) {
      const commands = missing.map((g) => `\`sluice secret grant ${g} --project ${project}\``).join(', ');
      throw new SluiceError(ErrorCode.secretNotGranted, `secret ${missing.length > 1 ? 'groups' : 'group'} ${missing.map((g) => JSON.stringify(g)).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not granted to project ${project}: an admin grants ${missing.length > 1 ? 'them' : 'it'} with ${commands}`, {
        details: { project, groups: missing },
      });
    }
  }

  private static checkGrantable(group: string, project: string): void {
    SecretService.checkNames(group);
    if (isReservedSecretGroup(group)) throw new InvalidInputError(`secret group ${JSON.stringify(group)} is kept by Sluice for itself (names starting with "${RESERVED_SECRET_GROUP_PREFIX}"): it cannot be granted`, { group });
    assertDnsLabel('project', project);
  }

  /** The current value for the server's own use (e.g. a status token), not through the API. */
  async readInternal(group: string, key: string): Promise<string | null> {
    const row = (await this.store.latestSecrets(group)).find((r) => r.key === key);
    if (!row || row.deleted) return null;
    return this.sealer.decrypt(row.sealed, aadOf(group, key, row.version));
  }

  /** Current references of the keys of these groups, later groups overriding earlier ones. Unknown group → error. */
  async snapshot(groups: readonly string[]): Promise<SecretRef[]> {
    const byKey = new Map<string, SecretRef>();
    for (const group of groups) {
      SecretService.checkNames(group);
      const rows = await this.store.latestSecrets(group);
      if (rows.length === 0) throw new InvalidInputError(`secret group ${JSON.stringify(group)} does not exist (create it with \`sluice secret set ${group} KEY\`)`);
      for (const r of rows) {
        if (r.deleted) byKey.delete(r.key);
        else byKey.set(r.key, { group, key: r.key, version: r.version });
      }
    }
    return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Values of exact versions (what a release was made with). */
  async resolve(refs: readonly SecretRef[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const ref of refs) {
      const row = await this.store.getSecret(ref.group, ref.key, ref.version);
      if (!row || row.deleted) throw new NotFoundError('secret', `${ref.group}/${ref.key}@${ref.version}`);
      out[ref.key] = this.sealer.decrypt(row.sealed, aadOf(ref.group, ref.key, ref.version));
    }
    return out;
  }

  /** Every current value of every group (the redactor's list). */
  async allValues(): Promise<string[]> {
    const values: string[] = [];
    for (const group of await this.store.listSecretGroups()) {
      for (const r of await this.store.latestSecrets(group)) {
        if (!r.deleted) values.push(this.sealer.decrypt(r.sealed, aadOf(group, r.key, r.version)));
      }
    }
    return values;
  }

  async publish(): Promise<void> {
    const values = await this.allValues();
    for (const l of this.listeners) l(values);
  }
}
