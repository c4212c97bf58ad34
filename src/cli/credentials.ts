// What `sluice login` stores: one file per server (mode 0600, in a 0700 folder) under the
// user's config directory, holding the server's origin and the token.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileDurable } from '../fs/write-file-durable.ts';

// Checked by hand, not with zod: every CLI command reads this file, and zod costs a
// noticeable share of a command's start-up.
function parseCredential(text: string): { server: string; token: string } {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const { server, token } = value as Record<string, unknown>;
  if (typeof server !== 'string' || typeof token !== 'string') throw new Error('server and token must be strings');
  return { server, token };
}

/** The server's origin (scheme, host, port): http://127.0.0.1:7070/ and http://127.0.0.1:7070 are one server. */
export function serverKey(server: string): string {
  return new URL(server).origin.toLowerCase();
}

export function credentialFileOf(configDir: string, server: string): string {
  return path.join(configDir, 'servers', `${serverKey(server).replace(/[^a-z0-9.-]/g, '_')}.json`);
}

export function storeCredential(configDir: string, server: string, token: string): string {
  const file = credentialFileOf(configDir, server);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileDurable(file, `${JSON.stringify({ server: serverKey(server), token })}\n`, { mode: 0o600 });
  return file;
}

/** The stored token for `server`, if any; a file that does not parse (or names another server) is ignored with a warning. */
export function storedToken(configDir: string, server: string, warn: (m: string) => void): string | undefined {
  const file = credentialFileOf(configDir, server);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const c = parseCredential(text);
    if (c.server === serverKey(server)) return c.token;
    warn(`${file} is for ${c.server}, not ${serverKey(server)}: ignored`);
  } catch (error) {
    warn(`${file} is not a credential file (${(error as Error).message.split('\n')[0]}): ignored; run sluice login again`);
  }
  return undefined;
}

/** Removes the stored token for `server`; false when none was stored. */
export function forgetCredential(configDir: string, server: string): boolean {
  const file = credentialFileOf(configDir, server);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  return true;
}
