// ACME HTTP-01 challenges the router answers itself, for any host, on the plain HTTP port:
// GET /.well-known/acme-challenge/TOKEN → the key authorization. In memory only: an order
// outlives no data-plane restart (the control plane puts the token again when it retries).

export const acmeChallengePrefix = '/.well-known/acme-challenge/';

/** Tokens are base64url (RFC 8555 §8.3); anything else is refused before it is stored. */
const tokenPattern = /^[A-Za-z0-9_-]{1,256}$/;
const maxChallenges = 10_000;

export class AcmeChallenges {
  private readonly byToken = new Map<string, string>();

  static validToken(token: string): boolean {
    return tokenPattern.test(token);
  }

  put(token: string, keyAuthorization: string): void {
    if (!this.byToken.has(token) && this.byToken.size >= maxChallenges) throw new Error(`more than ${maxChallenges} ACME challenges are pending`);
    this.byToken.set(token, keyAuthorization);
  }

  delete(token: string): boolean {
    return this.byToken.delete(token);
  }

  /** The key authorization for a request path under acmeChallengePrefix (query ignored), if known. */
  answer(url: string): string | undefined {
    const query = url.indexOf('?');
    const token = url.slice(acmeChallengePrefix.length, query === -1 ? undefined : query);
    return this.byToken.get(token);
  }
}
