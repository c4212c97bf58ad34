import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { specJsonSchema } from '../../src/spec/json-schema.ts';

type Schema = { type?: string; properties?: Record<string, Schema>; additionalProperties?: unknown; required?: string[]; items?: Schema; $schema?: string; title?: string };

void test('the JSON Schema describes the pipeline file keys', () => {
  const schema = specJsonSchema() as Schema;
  assert.equal(schema.type, 'object');
  assert.match(schema.$schema ?? '', /json-schema\.org/);
  assert.ok(schema.title);
  for (const key of ['build', 'test', 'services', 'buildSecrets', 'environments', 'previews']) {
    assert.ok(schema.properties?.[key], `property ${key}`);
  }
  // Strict like the validator: editors flag misspelt keys too.
  assert.equal(schema.additionalProperties, false);
  const step = schema.properties?.build?.items;
  assert.deepEqual(step?.required, ['run']);
  assert.equal(step?.additionalProperties, false);
  assert.ok(step?.properties?.timeout);
  assert.doesNotThrow(() => JSON.stringify(schema));
});

void test('schema/sluice.schema.json is up to date (npm run schema)', () => {
  const file = new URL('../../schema/sluice.schema.json', import.meta.url);
  assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
});
