// The ACME account the server holds at one CA (one per directory URL): its URL at the CA and its
// key, sealed by the server's keyring like secrets (AAD `acme-account/<directoryUrl>`).
import { z } from 'zod';

export const acmeAccountRecordSchema = z.object({
  directoryUrl: z.string().min(1),
  accountUrl: z.string().min(1),
  sealedKey: z.string().min(1),
  email: z.string().nullable(),
  createdAt: z.string(),
});
export type AcmeAccountRecord = z.infer<typeof acmeAccountRecordSchema>;
