// Route schemas named through handles (src/api/lazy-schemas.ts, decision 0058): the module is
// imported at the first request that needs it, and that first request is checked exactly as the
// later ones (same refusal, same status); answer schemas are never loaded by serving requests; an
// import that fails is a 500, not a refusal, and the next request tries again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { lazySchemas } from '../../src/api/lazy-schemas.ts';
import { requiredText } from '../../src/api/schemas/common-schemas.ts';
import { routeTestApp, viewer } from './route-test-app.ts';

function schemaModule(): { imports: () => number; load: () => Promise<{ bodySchema: z.ZodType; answerSchema: z.ZodType }> } {
  let imports = 0;
  return {
    imports: () => imports,
    load: async () => {
      imports++;
      return { bodySchema: z.object({ name: requiredText('name') }), answerSchema: z.object({ ok: z.boolean() }) };
    },
  };
}

void test('the first request imports the module and is refused as the later ones are; a good body passes', async () => {
  const module = schemaModule();
  const schemas = lazySchemas(module.load);
  const app = await routeTestApp(viewer, (a) => {
    a.post('/things', { schema: { body: schemas.bodySchema, response: { 200: schemas.answerSchema } } }, async () => ({ ok: true }));
  });
  assert.equal(module.imports(), 0, 'nothing is imported to register the route');
  const first = await app.inject({ method: 'POST', url: '/things', payload: { name: '' } });
  const second = await app.inject({ method: 'POST', url: '/things', payload: { name: '' } });
  assert.equal(first.statusCode, 400);
  assert.deepEqual(first.json(), second.json());
  assert.equal(first.json<{ message: string }>().message, 'name is required');
  const good = await app.inject({ method: 'POST', url: '/things', payload: { name: 'shop' } });
  assert.equal(good.statusCode, 200);
  assert.deepEqual(good.json(), { ok: true });
  assert.equal(module.imports(), 1, 'the module is imported once');
  assert.equal(schemas.answerSchema.loaded, undefined, 'answers are never checked against their schema');
  await app.close();
});

void test('a schema module that cannot be imported answers 500, and a later request imports it again', async () => {
  let fail = true;
  const schemas = lazySchemas(async () => {
    if (fail) throw new Error('chunk missing');
    return { bodySchema: z.object({ name: requiredText('name') }) };
  });
  const app = await routeTestApp(viewer, (a) => {
    a.post('/things', { schema: { body: schemas.bodySchema } }, async () => ({ ok: true }));
  });
  const broken = await app.inject({ method: 'POST', url: '/things', payload: { name: 'shop' } });
  assert.equal(broken.statusCode, 500);
  fail = false;
  const later = await app.inject({ method: 'POST', url: '/things', payload: { name: 'shop' } });
  assert.equal(later.statusCode, 200);
  await app.close();
});
