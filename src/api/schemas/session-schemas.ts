// The dashboard's sign-in (src/api/session-routes.ts, oidc-routes.ts) and the web UI's files
// (web-ui-routes.ts). Imports zod only, so that the web UI can bundle it.
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');

export const authConfigSchema = z.object({ oidc: z.boolean().describe('whether "Sign in with SSO" is offered') }).meta({ id: 'AuthConfig' });
export type AuthConfigJson = z.output<typeof authConfigSchema>;

export const signInBodySchema = z.object({ token: z.string().describe('an API token') }).meta({ id: 'SignInRequest' });

const signedIn = {
  name: z.string(),
  role: z.enum(['viewer', 'deployer', 'admin']),
  projects: z.array(z.string()).nullable(),
  environments: z.array(z.string()).nullable(),
};

/** A started or current session: who, through what, the CSRF token for changes, and when it ends. */
export const sessionSchema = z
  .object({
    ...signedIn,
    via: z.enum(['token', 'oidc']),
    csrfToken: z.string().describe('send as x-csrf-token (with Origin) on every change made with the cookie'),
    expiresAt: time,
    idleExpiresAt: time,
  })
  .meta({ id: 'Session' });
export type SessionJson = z.output<typeof sessionSchema>;

export const sessionStateSchema = z
  .union([
    z.object({ signedIn: z.literal(true), ...sessionSchema.shape }),
    z.object({ signedIn: z.literal(true), ...signedIn, via: z.literal('bearer') }),
    z.object({ signedIn: z.literal(false), reason: z.string().optional() }),
  ])
  .meta({ id: 'SessionState' });
export type SessionStateJson = z.output<typeof sessionStateSchema>;

export const oidcLoginQuerySchema = z.object({ return: z.string().optional().describe('the dashboard path to come back to') });
export const oidcCallbackQuerySchema = z.looseObject({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() });

/** An HTML page (a refusal or the dashboard itself). */
export const htmlPageSchema = z.string().describe('an HTML page');
export const assetParams = z.object({ name: z.string().describe('a built file of the dashboard (hashed name)') });
export const assetSchema = z.string().describe('JavaScript, CSS or an image');
