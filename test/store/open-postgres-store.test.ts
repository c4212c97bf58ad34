// What openPostgresStore adds to the shared SqlStore: number parsing on the pool only, and a
// schema of its own (validated, created by migrate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { postgresImplementation } from './store-fixtures.ts';

const impl = await postgresImplementation();

void test('invalid schema names are refused before any connection', () => {
  assert.throws(() => openPostgresStore({ connectionString: 'postgres://127.0.0.1:1/none', schema: 'x"; drop table runs; --' }), InvalidInputError);
  assert.throws(() => openPostgresStore({ connectionString: 'postgres://127.0.0.1:1/none', schema: '' }), InvalidInputError);
});

void test('migrate creates the schema; bigint ids parse as numbers on this pool only', async (t) => {
  if (impl.skip) {
    t.skip(impl.skip);
    return;
  }
  const pair = await impl.open();
  try {
    await pair.a.createProject({ name: 'p', repo: 'r', branch: 'main', webhookSecret: 's', lastSeenSha: null, createdAt: '2025-01-01T00:00:00.000Z', statusHost: null, statusRepo: null, statusApiUrl: null });
    const run = await pair.a.createRun({ id: `r-${randomBytes(4).toString('hex')}`, project: 'p', commitSha: 'c', branch: 'main', ref: 'refs/heads/main', author: 'a', message: 'm', trigger: 'push', state: 'queued', createdAt: '2025-01-01T00:00:01.000Z' });
    await pair.a.appendLogs([{ runId: run.id, stepId: null, at: '2025-01-01T00:00:02.000Z', stream: 'stdout', line: 'hello' }]);
    const [line] = await pair.b.readOldLogs(10);
    assert.equal(typeof line?.id, 'number');
    // The process-wide registry still hands back text: nothing global was changed.
    const globalInt8 = pg.types.getTypeParser(pg.types.builtins.INT8) as (value: string) => unknown;
    assert.equal(globalInt8('5'), '5');
  } finally {
    await pair.close();
  }
});

void test('a second schema in the same database gets its own migration tables (another schema holding Kysely\'s is not taken for ours)', async (t) => {
  if (impl.skip) {
    t.skip(impl.skip);
    return;
  }
  const first = await impl.open();
  const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
  const url = impl.connectionString!;
  const second = openPostgresStore({ connectionString: url, schema, max: 2 });
  try {
    await second.migrate();
    await second.createProject({ name: 'q', repo: 'r', branch: 'main', webhookSecret: 's', lastSeenSha: null, createdAt: '2025-01-01T00:00:00.000Z', statusHost: null, statusRepo: null, statusApiUrl: null });
    assert.deepEqual((await second.listProjects()).map((p) => p.name), ['q']);
    assert.deepEqual(await first.a.listProjects(), []);
  } finally {
    await second.close();
    await first.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
});
