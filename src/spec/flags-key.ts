// `flags: flags.yaml` in sluice.yaml: the project's flag file (flagd's format, src/flags/flags-file.ts),
// a path inside the repository, read at the run's commit beside sluice.yaml.
import { z } from 'zod';

export const flagsKeySchema = z
  .string()
  .min(1)
  .max(255)
  .refine((path) => /\.(ya?ml|json)$/.test(path), { error: 'the flag file must end in .yaml, .yml or .json' })
  .refine((path) => !path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\\') && !path.includes('\0'), {
    error: 'must be a path inside the repository, relative to sluice.yaml, without ..',
  })
  .describe('The flag file (flagd\'s flag-definition format, plus `client: true` per flag): its definitions go live with each release.');
