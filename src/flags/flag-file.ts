// A flag file as a release keeps it (parsed by flags-file.ts, which alone needs the YAML reader).
import { z } from 'zod';
import { flagDefinitionSchema, type FlagDefinition, type FlagValue } from './flag-definition.ts';

/** A flag file as Sluice keeps it with a release: `client` taken out of the flags into `clientFlags`. */
export interface FlagFile {
  flags: Record<string, FlagDefinition>;
  evaluators: Record<string, unknown>;
  /** Keys of the flags marked `client: true`, sorted. */
  clientFlags: string[];
}

export const flagFileSchema: z.ZodType<FlagFile> = z.object({
  flags: z.record(z.string(), flagDefinitionSchema),
  evaluators: z.record(z.string(), z.unknown()),
  clientFlags: z.array(z.string()),
});

/** The type a variant's value has; a flag's variants share one. */
export function variantType(value: FlagValue): 'boolean' | 'string' | 'number' | 'object' {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  return 'object';
}
