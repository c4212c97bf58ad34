// Standard Webhooks signing (https://www.standardwebhooks.com, spec/standard-webhooks.md):
// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the secret's
// base64-decoded bytes (the `whsec_` prefix is not part of the key). node:crypto does it in a
// few lines; the npm package adds two pure-JS dependencies for the same (docs/decisions/0030).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNING_SECRET_PREFIX = 'whsec_';

/** A new secret: `whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64). */
export function newSigningSecret(): string {
  return `${SIGNING_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SIGNING_SECRET_PREFIX) ? secret.slice(SIGNING_SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('the signing secret is empty');
  return key;
}

/** The `webhook-signature` value for one message; `timestampSeconds` is the `webhook-timestamp`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Whether one of the space-separated signatures of a header is the message's v1 signature. */
export function verifyWebhook(secret: string, id: string, timestampSeconds: number, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, id, timestampSeconds, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
