// Fails (exit 1) when schema/sluice.schema.json differs from what the zod schema generates.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specJsonSchema } from '../src/spec/json-schema.ts';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'sluice.schema.json');
const expected = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
let actual: string | undefined;
try {
  actual = readFileSync(file, 'utf8');
} catch {
  actual = undefined;
}
if (actual !== expected) {
  console.error(`${file} is ${actual === undefined ? 'missing' : 'out of date'}: run \`npm run schema\` and commit the result.`);
  process.exit(1);
}
