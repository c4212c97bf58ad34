// `npm run build`, second half: bundles the compiled CLI (dist/cli/main.js, from tsc) and the
// instance shim into dist/sluice/, so a start reads a few files instead of ~900 modules
// (docs/decisions/0032-bundled-start.md). Dynamic imports stay lazy (split chunks). Packages that
// are native, load files by path at run time, or are loaded only lazily stay in node_modules.
import { build, transform, type Plugin } from 'esbuild';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const external = [
  'better-sqlite3', // native addon
  'pg', // optional (PostgreSQL), loaded lazily
  'pino', // starts transports in worker threads by file path
  'undici', // src/router/edge/target-pools.ts requires one file of it by path
  'acme-client', // lazy, only with --https-port
  'prom-client', // lazy, first scrape
  '@opentelemetry/*', // lazy, only with OTEL_EXPORTER_OTLP_ENDPOINT
  '@kubernetes/client-node', // lazy, only when the Kubernetes runtime connects
  'tsx', // only when running sources
  // Fastify's default compilers (Ajv, fast-json-stringify): never loaded, since createApi brings its own.
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  'light-my-request', // Fastify's inject(), which only tests call (they run the sources)
];

/**
 * Memory a process holds for code it never runs (docs/decisions/0051-lean-bundle.md): V8 keeps every
 * loaded module's source text, as two bytes a character once one character is beyond Latin-1.
 * Packages' files are minified (whitespace and syntax; names kept, so traces still name functions)
 * which also drops their comments; our own code arrives without comments (tsconfig.build.json) and
 * keeps its lines. zod's 60-odd translations of its messages are left out: Sluice sets none.
 */
const lean: Plugin = {
  name: 'lean',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`) ? { path: 'zod-locales', namespace: 'lean' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lean' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';", resolveDir: process.cwd(), loader: 'js' }));
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const { code } = await transform(source, { loader: 'js', minifyWhitespace: true, minifySyntax: true, legalComments: 'none', sourcefile: args.path });
      return { contents: code, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

await rm('dist/sluice', { recursive: true, force: true });
await build({
  entryPoints: { main: 'dist/cli/main.js', 'shim-main': 'dist/runtime/process/shim/shim-main.js' },
  outdir: 'dist/sluice',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external,
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [lean],
});

// esbuild escapes every non-ASCII character outside comments; one left in a comment would double
// the memory V8 holds for that chunk's source.
for (const name of await readdir('dist/sluice')) {
  const text = await readFile(path.join('dist/sluice', name), 'utf8');
  let at = 0;
  while (at < text.length && text.charCodeAt(at) <= 0xff) at++;
  if (at < text.length) throw new Error(`dist/sluice/${name}: a character beyond Latin-1 at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 60), at + 10))}) would make V8 hold this chunk's source at two bytes a character`);
}
