// The JSON Schema of sluice.yaml, for editors (yaml-language-server and the like). Built
// from the same zod schema that validates, so the two cannot disagree on keys.
import { z } from 'zod';
import { specSchemas } from './schema.ts';

export function specJsonSchema(): Record<string, unknown> {
  // io 'input': describe what a person writes (`30s`), not what the compiler makes of it.
  const generated = z.toJSONSchema(specSchemas().rawSpecSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    title: 'Sluice pipeline file (sluice.yaml)',
    ...rest,
    description: 'Build and test steps, services, environments in deploy order, and preview environments of a Sluice project.',
  };
}
