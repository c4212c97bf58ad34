// The router's counters as the alert evaluator keeps them between ticks: each tick asks only for
// the rows changed since its cursor and merges them. Rows are replaced, never changed in place,
// so a window's earlier snapshots keep pointing at the counters they saw.
import type { ReleaseMetrics } from '../../router/route-table.ts';
import type { Router } from '../../router/router.ts';
import { rowMetrics, type TrafficCursor } from '../../router/traffic-answer.ts';

export class TrafficTable {
  /** `host release` → cumulative counters. */
  readonly rows = new Map<string, ReleaseMetrics>();
  private cursor: TrafficCursor | undefined;

  /** Reads what changed; `full` when every row was replaced (then `changed` is all of them). */
  async read(router: Pick<Router, 'traffic'>): Promise<{ full: boolean; changed: ReleaseMetrics[] }> {
    const answer = await router.traffic(this.cursor);
    if (answer.full) this.rows.clear();
    const changed: ReleaseMetrics[] = [];
    for (const row of answer.rows) {
      const m = rowMetrics(row, answer.bounds);
      this.rows.set(`${m.host} ${m.release}`, m);
      changed.push(m);
    }
    // Rows the router dropped (retired releases) never show up as changed: holding more than it
    // does means some are gone, so the next read starts over from a full answer.
    this.cursor = this.rows.size === answer.size ? { epoch: answer.epoch, cursor: answer.cursor } : undefined;
    return { full: answer.full, changed };
  }
}
