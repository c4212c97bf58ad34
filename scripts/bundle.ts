// `npm run build`, second half: bundles the compiled CLI (dist/cli/main.js, from tsc) and the
// instance shim into dist/sluice/, so a start reads a few files instead of ~900 modules
// (docs/decisions/0032-bundled-start.md). Dynamic imports stay lazy (split chunks). Packages that
// are native, load files by path at run time, or are loaded only lazily stay in node_modules.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

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
];

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
});
