// The master key: from SLUICE_MASTER_KEY (passed in by the caller) or a key file that is
// created on first start. The file holds the key as base64 and must be private to its owner.
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirectory, writeFileDurable, writeTempFile } from '../fs/write-file-durable.ts';
import { newKey } from './envelope.ts';
import { SecretKeyError, SecretKeyProblem } from './secret-key-error.ts';

export interface KeyringFiles {
  keyFile: string;
}

export type MasterKeySource = 'env' | 'file' | 'created';

/**
 * Env wins (an empty value is an error, not "unset": fail closed); else the key file; else the
 * key file is created with mode 0600 and `onCreated` is called so the server can warn that it
 * must be backed up. Two processes starting at once end up with the same key.
 */
export function loadMasterKey(opts: { envValue: string | undefined; keyFile: string; onCreated?: (path: string) => void }): { key: Buffer; source: MasterKeySource } {
  if (opts.envValue !== undefined) return { key: parseKeyText(opts.envValue, 'SLUICE_MASTER_KEY'), source: 'env' };
  const existing = readKeyFile(opts.keyFile);
  if (existing !== null) return { key: existing, source: 'file' };
  const key = newKey();
  if (createExclusive(opts.keyFile, encodeKey(key))) {
    opts.onCreated?.(opts.keyFile);
    return { key, source: 'created' };
  }
  // Another process created it between our read and our link: use theirs.
  const theirs = readKeyFile(opts.keyFile);
  if (theirs === null) throw new SecretKeyError(SecretKeyProblem.malformed, `the key file ${opts.keyFile} vanished while it was being created`);
  return { key: theirs, source: 'file' };
}

/** Atomically replaces the key file (temp file + rename), mode 0600. Used after a master key rotation. */
export function writeKeyFile(path: string, key: Buffer): void {
  if (key.length !== 32) throw new SecretKeyError(SecretKeyProblem.malformed, `a master key must be 32 bytes, not ${key.length}`);
  writeFileDurable(path, encodeKey(key), { mode: 0o600 });
}

/** Parses 32 bytes given as 64 hex digits or base64 (standard or url-safe, padding optional). */
export function parseKeyText(text: string, origin: string): Buffer {
  const value = text.trim();
  if (value === '') throw new SecretKeyError(SecretKeyProblem.malformed, `${origin} is empty; it must hold a 32-byte key as base64 or hex`);
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value) || /^[A-Za-z0-9_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  throw new SecretKeyError(SecretKeyProblem.malformed, `${origin} is not a 32-byte key: expected 64 hex digits or 43-44 base64 characters, got ${value.length} characters (generate one with: openssl rand -base64 32)`);
}

function encodeKey(key: Buffer): string {
  return `${key.toString('base64')}\n`;
}

/** Null when the file does not exist; throws when it is unsafe or unreadable as a key. */
function readKeyFile(path: string): Buffer | null {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new SecretKeyError(SecretKeyProblem.malformed, `the key file ${path} is not a regular file`);
    mode = stat.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Like ssh with private keys. Windows has no such mode bits.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SecretKeyError(SecretKeyProblem.insecureFile, `the key file ${path} has mode 0${mode.toString(8)}: it must not be accessible by group or others (run: chmod 600 ${path})`, {
      details: { path, mode: `0${mode.toString(8)}` },
    });
  }
  const bytes = readFileSync(path);
  // Raw 32 bytes (e.g. `head -c 32 /dev/urandom`) cannot be confused with hex (64) or base64 (43+).
  if (bytes.length === 32) return bytes;
  return parseKeyText(bytes.toString('utf8'), `the key file ${path}`);
}

/** Writes a complete temp file, then links it into place: link never replaces, so exactly one creator wins. */
function createExclusive(path: string, content: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = writeTempFile(path, content, { mode: 0o600 });
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
  syncDirectory(dirname(path));
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
