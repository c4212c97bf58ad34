#!/usr/bin/env node
// The `sluice` command: the compiled CLI in dist/ (`npm run build` makes it; see
// docs/decisions/0005-compiled-javascript.md). The server starts the data plane through this file too.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(`sluice is not built: ${main.pathname} is missing. Run \`npm run build\` in ${new URL('..', import.meta.url).pathname} first.`);
  process.exit(1);
}
await import(main.href);
