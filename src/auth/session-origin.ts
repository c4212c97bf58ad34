// How a dashboard session was signed in: with an API token (pasted on the sign-in page), or
// through OpenID Connect. A token session lives only as long as its token; an OIDC session until
// the identity's expiry when the provider gave one.
export type SessionOrigin =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'oidc'; readonly issuer: string; readonly subject: string; readonly expiresAt?: Date };

export type SessionKind = SessionOrigin['kind'];

export const sessionKinds: readonly SessionKind[] = ['token', 'oidc'];
