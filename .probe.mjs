const what = process.argv[2] ?? '';
if (what.includes('f')) { const { default: Fastify } = await import('fastify'); const app = Fastify(); app.get('/', async () => 'ok'); await app.listen({ port: 0 }); }
if (what.includes('k')) { const { Kysely, SqliteDialect, sql } = await import('kysely'); const { default: D } = await import('better-sqlite3'); const db = new Kysely({ dialect: new SqliteDialect({ database: new D(':memory:') }) }); await sql`select 1`.execute(db); }
if (what.includes('z')) { await import('zod'); }
if (what.includes('y')) { await import('yaml'); }
if (what.includes('S')) { await import('./dist/spec/parse-spec.js'); }
setTimeout(() => { console.log(what, (process.memoryUsage().rss / 1048576).toFixed(1)); process.exit(0); }, 5000);
