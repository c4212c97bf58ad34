// What a sign-in must remember between its start (the redirect to the provider) and the callback:
// state, nonce and the PKCE code verifier. Kept in the browser, sealed (AES-256-GCM, key derived
// from the master key), for ten minutes: no store row, and any replica sharing the master key can
// finish a sign-in another one started (docs/decisions/0042-single-sign-on.md).
import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { open, seal, type Sealed } from '../secrets/envelope.ts';

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  /** Where the browser goes once signed in: a path on this server. */
  returnTo: string;
  /** ms since the epoch. */
  startedAt: number;
}

export const loginCookieName = 'sluice_oidc_login';
export const loginCookieMaxAgeS = 600;

const pendingShape = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), returnTo: z.string(), startedAt: z.number() });
const AAD = 'sluice oidc login v1';

export class LoginCookieSealer {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'sluice oidc login cookie v1', 32));
  }

  seal(p: PendingLogin): string {
    const s = seal(this.key, 'oidc', Buffer.from(JSON.stringify(p)), AAD);
    return Buffer.from(`${s.iv}.${s.tag}.${s.data}`).toString('base64url');
  }

  /** The pending sign-in, or null when the value is absent, altered, sealed under another key, or older than ten minutes. */
  open(value: string | undefined, now: number): PendingLogin | null {
    if (!value) return null;
    try {
      const [iv, tag, data] = Buffer.from(value, 'base64url').toString().split('.');
      const sealed: Sealed = { v: 1, keyId: 'oidc', iv: iv ?? '', tag: tag ?? '', data: data ?? '' };
      const p = pendingShape.parse(JSON.parse(open(this.key, sealed, AAD).toString()));
      return now - p.startedAt <= loginCookieMaxAgeS * 1000 && p.startedAt <= now + 60_000 ? p : null;
    } catch {
      return null;
    }
  }
}
