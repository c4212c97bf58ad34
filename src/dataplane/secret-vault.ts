// Instances' secret environments in the data plane: sealed under the master key in the
// persisted state (never plain text on disk), opened in memory at spawn. Each instance's shim
// gets the values with its environment and redacts the output before it reaches the log file.
import { keyFingerprint, open, parseSealed, seal } from '../secrets/envelope.ts';

export class SecretVault {
  private readonly opened = new Map<string, Record<string, string>>();

  /** `previous`: former master keys (SLUICE_PREVIOUS_MASTER_KEY), so state sealed before a rotation by restart still opens. */
  private master: Buffer | null;
  private readonly previous: readonly Buffer[];

  constructor(
    master: Buffer | null,
    previous: readonly Buffer[] = [],
  ) {
    this.master = master;
    this.previous = previous;
  }

  seal(id: string, env: Record<string, string>): string | undefined {
    if (Object.keys(env).length === 0) return undefined;
    if (!this.master) throw new Error('the data plane has no master key: it cannot keep secret environment variables');
    this.opened.set(id, env);
    return JSON.stringify(seal(this.master, keyFingerprint(this.master), Buffer.from(JSON.stringify(env)), `instance:${id}`));
  }

  env(id: string, sealed: string | undefined): Record<string, string> {
    if (!sealed) return {};
    const known = this.opened.get(id);
    if (known) return known;
    if (!this.master) throw new Error(`instance ${id} has secret variables but the data plane has no master key`);
    const parsed = parseSealed(sealed);
    const key = [this.master, ...this.previous].find((k) => keyFingerprint(k) === parsed.keyId) ?? this.master;
    const env = JSON.parse(open(key, parsed, `instance:${id}`).toString('utf8')) as Record<string, string>;
    this.opened.set(id, env);
    return env;
  }

  /** One value (a certificate's private key) sealed for the state file; `aad` binds it to its place. */
  sealValue(aad: string, value: string): string {
    if (!this.master) throw new Error('the data plane has no master key: it cannot keep private keys');
    return JSON.stringify(seal(this.master, keyFingerprint(this.master), Buffer.from(value), aad));
  }

  openValue(aad: string, sealed: string): string {
    if (!this.master) throw new Error('the data plane has no master key: it cannot open sealed private keys');
    const parsed = parseSealed(sealed);
    const key = [this.master, ...this.previous].find((k) => keyFingerprint(k) === parsed.keyId) ?? this.master;
    return open(key, parsed, aad).toString('utf8');
  }

  forget(id: string): void {
    this.opened.delete(id);
  }

  /** After a master key rotation: re-seal every instance's secrets under the new key. */
  rekey(next: Buffer, specs: Record<string, { sealedSecretEnv?: string }>, values: Array<{ aad: string; get: () => string; set: (sealed: string) => void }> = []): void {
    const opened = values.map((v) => ({ ...v, plain: this.openValue(v.aad, v.get()) }));
    for (const [id, spec] of Object.entries(specs)) {
      if (!spec.sealedSecretEnv) continue;
      const env = this.env(id, spec.sealedSecretEnv);
      this.master = next;
      spec.sealedSecretEnv = this.seal(id, env);
    }
    this.master = next;
    for (const v of opened) v.set(this.sealValue(v.aad, v.plain));
  }
}
