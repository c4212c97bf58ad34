import v8 from 'node:v8'; import vm from 'node:vm';
const mode = process.argv[2] ?? '';
if (mode.includes('s')) v8.setFlagsFromString('--max-semi-space-size=1');
if (mode.includes('o')) v8.setFlagsFromString('--optimize-for-size');
const { default: Fastify } = await import('fastify'); const app = Fastify(); app.get('/', async () => 'ok'); await app.listen({ port: 0 });
const { Kysely, SqliteDialect, sql } = await import('kysely'); const { default: D } = await import('better-sqlite3'); const db = new Kysely({ dialect: new SqliteDialect({ database: new D(':memory:') }) }); await sql`select 1`.execute(db);
await import('./dist/spec/parse-spec.js');
const r = () => (process.memoryUsage().rss / 1048576).toFixed(1);
const before = r();
if (mode.includes('g')) { v8.setFlagsFromString('--expose-gc'); const gc = vm.runInNewContext('gc'); gc(); }
setTimeout(() => { const m = process.memoryUsage(); console.log(mode, before, '->', r(), 'heapTotal', (m.heapTotal/1048576).toFixed(1), 'used', (m.heapUsed/1048576).toFixed(1)); process.exit(0); }, 4000);
