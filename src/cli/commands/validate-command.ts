import fs from 'node:fs';
import type { Command } from 'commander';

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a pipeline file; prints FILE:LINE:COL: message per error and exits 1 on any')
    .argument('[file]', 'the pipeline file', 'sluice.yaml')
    .option('--json', 'print the errors as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      // Loaded here, not at the top: the schema (zod, yaml) is the CLI's heaviest module.
      const { formatSpecIssue, parseSpec } = await import('../../spec/parse-spec.ts');
      let bytes: Buffer;
      try {
        // Bytes, not text: invalid UTF-8 is reported with its line and column, not replaced.
        bytes = fs.readFileSync(file);
      } catch (error) {
        console.error(`${file}: cannot read: ${(error as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const result = parseSpec(bytes);
      if (opts.json) console.log(JSON.stringify(result.ok ? { ok: true, errors: [] } : { ok: false, errors: result.errors }, null, 2));
      if (result.ok) {
        if (!opts.json) console.log(`${file}: valid`);
        return;
      }
      if (!opts.json) for (const issue of result.errors) console.error(formatSpecIssue(file, issue));
      process.exitCode = 1;
    });
}
