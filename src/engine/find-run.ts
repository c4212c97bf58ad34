// RUN in a command: a run's id, or PROJECT#NUMBER as `sluice runs` shows it.
import { NotFoundError } from '../errors.ts';
import type { Run } from '../store/records.ts';
import type { Store } from '../store/store.ts';

const byNumber = /^(.+)#(\d+)$/;

export async function findRun(store: Pick<Store, 'getRun' | 'getRunByNumber'>, ref: string): Promise<Run> {
  const m = byNumber.exec(ref);
  if (m) {
    const run = await store.getRunByNumber(m[1]!, Number(m[2]));
    if (!run) throw new NotFoundError('run', ref, `project ${JSON.stringify(m[1])} has no run #${m[2]}`);
    return run;
  }
  const run = await store.getRun(ref);
  if (run) return run;
  const hint = /^\d+$/.test(ref) ? `a run number needs its project: PROJECT#${ref} (e.g. app#${ref})` : 'RUN is a run id or PROJECT#NUMBER (as `sluice runs PROJECT` shows)';
  throw new NotFoundError('run', ref, `no run has this id; ${hint}`);
}
