// One flag in flagd's flag-definition format (https://flagd.dev/reference/flag-definitions/),
// as Sluice keeps and serves it. Pure types and their zod check; the file parser and its
// FILE:LINE:COL errors live beside this (flags-file), evaluation in flag-evaluator.
import { z } from 'zod';

export type FlagValue = boolean | string | number | { [key: string]: unknown } | unknown[];

export interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, FlagValue>;
  /** flagd allows null (or absence): evaluation then answers the code default. */
  defaultVariant: string | null;
  /** JSONLogic, as in flagd (`fractional`, `sem_ver`, `starts_with`, `ends_with`, `$ref`). */
  targeting?: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
}

const flagValue: z.ZodType<FlagValue> = z.union([z.boolean(), z.string(), z.number(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

export const flagDefinitionSchema: z.ZodType<FlagDefinition> = z.object({
  state: z.enum(['ENABLED', 'DISABLED']),
  variants: z.record(z.string(), flagValue),
  defaultVariant: z.string().nullable(),
  targeting: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
