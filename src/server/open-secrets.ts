// The secret machinery of a server: the master key (SLUICE_MASTER_KEY or <data>/master.key,
// created 0600 on first start), the keyring of data keys in the store (fail closed: a wrong
// key stops the start), the secret service, and the log redactor kept in step with it.
import path from 'node:path';
import { systemClock } from '../engine/clock.ts';
import type { Logger } from '../engine/logger.ts';
import { SecretService } from '../engine/secrets/secret-service.ts';
import { Keyring, loadMasterKey, writeKeyFile } from '../secrets/keyring.ts';
import { newKey } from '../secrets/envelope.ts';
import { Redactor } from '../secrets/redactor.ts';
import type { Store } from '../store/store.ts';
import { InvalidInputError } from '../errors.ts';

export function masterKeyFileOf(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

export async function openSecrets(store: Store, dataDir: string, envValue: string | undefined, logger: Logger) {
  const keyFile = masterKeyFileOf(dataDir);
  const master = loadMasterKey({
    envValue,
    keyFile,
    onCreated: (file) => logger.warn(`created the master key ${file} (mode 0600): back it up — without it no secret can be read`),
  });
  const keyring = new Keyring(master.key, store);
  await keyring.init();
  const secrets = new SecretService(store, keyring, systemClock);
  let redactor = new Redactor(await secrets.allValues());
  secrets.onValues((values) => (redactor = new Redactor(values)));
  const rotateKey = async (actor: string): Promise<{ fingerprint: string; keyFile: string | null }> => {
    if (master.source === 'env') {
      throw new InvalidInputError('the master key comes from SLUICE_MASTER_KEY: rotate it by restarting with the new key in SLUICE_MASTER_KEY (the keyring re-wraps its data keys at start)');
    }
    const next = newKey();
    await keyring.rotateMaster(next);
    writeKeyFile(keyFile, next);
    await store.appendAudit({ at: new Date().toISOString(), actor, action: 'secret.rotate-key', target: keyring.masterFingerprint });
    return { fingerprint: keyring.masterFingerprint, keyFile };
  };
  return { secrets, redact: (line: string) => redactor.redactLine(line), rotateKey, masterKey: master.key };
}
