// A custom domain an environment serves, as claimed at deploy. One (project, environment) holds a
// domain at a time; the claim is what certificates are ordered for.
import { z } from 'zod';

export const domainClaimSchema = z.object({
  domain: z.string().min(1),
  project: z.string().min(1),
  environment: z.string().min(1),
  service: z.string().min(1),
  /** A PEM chain and key from a secret group; null: a certificate is ordered over ACME. */
  certificate: z.object({ group: z.string().min(1), key: z.string().min(1) }).nullable(),
  hsts: z.boolean(),
});
export type DomainClaim = z.infer<typeof domainClaimSchema>;
