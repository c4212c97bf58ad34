// `sluice audit`: the audit trail, newest first, and `--verify`, which walks the whole hash
// chain and names the first entry that was edited, removed or reordered (exit status 1).
import type { Command } from 'commander';
import type { AuditVerification } from '../../audit/audit-chain.ts';
import type { AuditRecord } from '../../store/records.ts';
import { parseDuration } from '../../spec/duration.ts';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';

function verificationText(v: AuditVerification): string {
  if (v.firstBreak) return `audit trail NOT intact: ${v.firstBreak.message} (first bad entry: ${v.firstBreak.id}, ${v.firstBreak.problem}; ${v.entries} entries read)`;
  return `audit trail intact: ${v.entries} entries${v.head ? `, newest ${v.head.lastId} (hash ${v.head.lastHash})` : ''}`;
}

export function auditCommand(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('the audit trail: who changed what, read which secret, or was refused (hash-chained)')
    .option('--project <name>', 'only entries about this project')
    .option('--since <duration>', 'only entries of the last DURATION (e.g. 30m, 12h, 7d)')
    .option('--limit <n>', 'at most this many entries (newest first)', '200')
    .option('--verify', 'check the whole hash chain; name the first entry edited, removed or reordered (exit status 1)')
    .option('--json', 'print JSON')
    .action(async (o: { project?: string; since?: string; limit: string; verify?: boolean; json?: boolean }, cmd: Command) => {
      const api = ctx.api(cmd);
      if (o.verify) {
        const v = await api.get<AuditVerification>('/api/audit/verify');
        if (o.json) printJson(v);
        else (v.ok ? console.log : console.error)(verificationText(v));
        if (!v.ok) process.exitCode = 1;
        return;
      }
      const q = new URLSearchParams({ limit: o.limit });
      if (o.project !== undefined) q.set('project', o.project);
      if (o.since !== undefined) q.set('since', new Date(Date.now() - parseDuration(o.since)).toISOString());
      const list = await api.get<AuditRecord[]>(`/api/audit?${q.toString()}`);
      if (o.json) return printJson(list);
      console.log(
        table([
          ['ID', 'WHEN', 'WHO', 'ROLE', 'WHAT', 'TARGET', 'OUTCOME', 'FROM'],
          ...list.map((a) => [String(a.id), a.at, a.actor, a.role ?? '-', a.action, a.target, a.status === null ? a.outcome : `${a.outcome} (${a.status})`, a.source ?? '-']),
        ]),
      );
    });
}
