#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size --no-turbofan --no-maglev --no-sparkplug --bytecode-old-age=1
// The `sluice` command: the compiled CLI in dist/ (`npm run build` makes it; see
// docs/decisions/0005-compiled-javascript.md). The server starts the data plane through this file too.
// The flags above keep a long-lived `sluice server` small: a 1 MiB young generation and no JIT
// compilers (the control plane waits on git, tar, SQLite and its children, not on hot JavaScript;
// WebAssembly, which fetch needs, stays on): about 66 instead of 94 MiB idle. `npm start` and
// docs/systemd pass the same (docs/decisions/0012-start-time-and-memory.md); the data plane, which
// proxies every request, gets only the small young generation (src/server/ensure-data-plane.ts).
import { existsSync, readFileSync } from 'node:fs';

// `sluice --version` alone answers from package.json without loading the CLI (commander and
// the command modules cost about 100 ms; docs/decisions/0012-start-time-and-memory.md).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  console.log(typeof version === 'string' ? version : 'unknown');
} else {
  const main = new URL('../dist/sluice/main.js', import.meta.url);
  if (!existsSync(main)) {
    console.error(`sluice is not built: ${main.pathname} is missing. Run \`npm run build\` in ${new URL('..', import.meta.url).pathname} first.`);
    process.exit(1);
  }
  await import(main.href);
}
