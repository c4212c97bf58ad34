// The secret machinery of a server: the master key (SLUICE_MASTER_KEY or <data>/master.key,
// created 0600 on first start), the keyring of data keys in the store (fail closed: a wrong
// key stops the start), the secret service, and the log redactor kept in step with it.
import path from 'node:path';
import { systemClock } from '../engine/clock.ts';
import type { Logger } from '../engine/logger.ts';
import { SecretService } from '../engine/secrets/secret-service.ts';
import fs from 'node:fs';
import { Keyring, loadMasterKey, parseKeyText, SecretKeyError, SecretKeyProblem, writeKeyFile } from '../secrets/keyring.ts';
import { newKey } from '../secrets/envelope.ts';
import { Redactor } from '../secrets/redactor.ts';
import type { Store } from '../store/store.ts';
import { InvalidInputError } from '../errors.ts';

export function masterKeyFileOf(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

export async function openSecrets(
  store: Store,
  dataDir: string,
  envValue: string | undefined,
  previousEnvValue: string | undefined,
  logger: Logger,
  onRotated: (next: Buffer) => Promise<void> = async () => {},
) {
  const keyFile = masterKeyFileOf(dataDir);
  const nextFile = `${keyFile}.next`;
  // A lost key file must not be replaced by a new key: that key opens nothing, and its "back it
  // up" warning would mislead the operator who still has to restore the real one.
  if (envValue === undefined && !fs.existsSync(keyFile) && (await store.listDataKeys()).length > 0) {
    throw new SecretKeyError(
      SecretKeyProblem.unknownKey,
      `the master key file ${keyFile} is missing, but this data directory holds secrets sealed under a master key: restore the file from your backup, or set SLUICE_MASTER_KEY`,
    );
  }
  const master = loadMasterKey({
    envValue,
    keyFile,
    onCreated: (file) => logger.warn(`created the master key ${file} (mode 0600): back it up — without it no secret can be read`),
  });
  // Keys that may still wrap data keys: one being rotated away from (env), or a file rotation
  // that a crash interrupted (master.key.next written, master.key not yet replaced).
  const previous: Buffer[] = [];
  if (previousEnvValue) previous.push(parseKeyText(previousEnvValue, 'SLUICE_PREVIOUS_MASTER_KEY'));
  if (master.source !== 'env' && fs.existsSync(nextFile)) {
    const next = parseKeyText(fs.readFileSync(nextFile, 'utf8'), nextFile);
    previous.push(master.key);
    master.key = next;
    writeKeyFile(keyFile, next);
  }
  const keyring = new Keyring(master.key, store, { previousMasters: previous });
  await keyring.init();
  const secrets = new SecretService(store, keyring, systemClock);
  let redactor = new Redactor(await secrets.allValues());
  secrets.onValues((values) => (redactor = new Redactor(values)));
  const rotateKey = async (): Promise<{ fingerprint: string; keyFile: string | null }> => {
    if (master.source === 'env') {
      throw new InvalidInputError(
        'the master key comes from SLUICE_MASTER_KEY: rotate it by restarting with the new key in SLUICE_MASTER_KEY and the old one in SLUICE_PREVIOUS_MASTER_KEY (the data keys are re-wrapped at start)',
      );
    }
    // The new key is on disk before any data key depends on it: a crash at any point loses nothing.
    const next = newKey();
    writeKeyFile(nextFile, next);
    await keyring.rotateMaster(next);
    writeKeyFile(keyFile, next);
    fs.rmSync(nextFile, { force: true });
    master.key = next;
    await onRotated(next);
    return { fingerprint: keyring.masterFingerprint, keyFile };
  };
  return { secrets, keyring, redact: (line: string) => redactor.redactLine(line), rotateKey, masterKey: master.key };
}
