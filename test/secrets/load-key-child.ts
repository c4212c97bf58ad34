// Child process of the concurrent-creation test: says it is ready, waits for the go file (so
// that all children call loadMasterKey at about the same moment), then loads the key.
import { existsSync } from 'node:fs';
import { loadMasterKey } from '../../src/secrets/keyring.ts';

const [keyFile, goFile] = process.argv.slice(2);
process.stdout.write('ready\n');
const deadline = Date.now() + 20_000;
while (!existsSync(goFile!) && Date.now() < deadline) {
  // spin: sleeping would spread the children's start over milliseconds
}
const { key, source } = loadMasterKey({ envValue: undefined, keyFile: keyFile! });
process.stdout.write(`${JSON.stringify({ key: key.toString('base64'), source })}\n`);
