import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { SpecIssue } from '../../spec/spec-issues.ts';

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a pipeline file (and the flag file it names); prints FILE:LINE:COL: message per error and exits 1 on any')
    .argument('[file]', 'the pipeline file', 'sluice.yaml')
    .option('--json', 'print the errors as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      // Loaded here, not at the top: the schema (zod, yaml) is the CLI's heaviest module.
      const { formatSpecIssue, parseSpec } = await import('../../spec/parse-spec.ts');
      const bytes = readBytes(file);
      if (bytes === null) return;
      const result = parseSpec(bytes);
      const errors: Array<SpecIssue & { file: string }> = result.ok ? [] : result.errors.map((e) => ({ ...e, file }));
      const checked = [file];
      if (result.ok && result.spec.flags !== null) {
        // The flag file is named relative to sluice.yaml (the repository's root).
        const flagsFile = path.join(path.dirname(file), result.spec.flags);
        const flagBytes = readBytes(flagsFile);
        if (flagBytes === null) return;
        const { parseFlagsFile } = await import('../../flags/flags-file.ts');
        const flags = parseFlagsFile(flagBytes);
        if (!flags.ok) errors.push(...flags.errors.map((e) => ({ ...e, file: flagsFile })));
        checked.push(flagsFile);
      }
      if (opts.json) console.log(JSON.stringify({ ok: errors.length === 0, errors: errors.map(({ file: f, ...e }) => (f === file ? e : { ...e, file: f })) }, null, 2));
      if (errors.length === 0) {
        if (!opts.json) for (const f of checked) console.log(`${f}: valid`);
        return;
      }
      if (!opts.json) for (const issue of errors) console.error(formatSpecIssue(issue.file, issue));
      process.exitCode = 1;
    });
}

/** Bytes, not text: invalid UTF-8 is reported with its line and column, not replaced. */
function readBytes(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    console.error(`${file}: cannot read: ${(error as Error).message}`);
    process.exitCode = 1;
    return null;
  }
}
