// Writes schema/sluice.schema.json from the zod schema of the pipeline file (npm run schema).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specJsonSchema } from '../src/spec/json-schema.ts';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'sluice.schema.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
