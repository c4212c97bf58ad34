// A human gate (continuous delivery): the run waits, deploying nothing, until someone
// approves or rejects it. A newer run reaching the same gate supersedes an older waiting one.
import type { StageImpl } from '../run-context.ts';

export const approvalStage: StageImpl = async (ctx, stage) => {
  const { store, clock } = ctx.deps;
  const waiting = (await store.listRunsInState(['waiting'])).filter((r) => r.project === ctx.project.name && r.number < ctx.run.number);
  for (const older of waiting) {
    const gate = (await store.listStages(older.id)).find((s) => s.state === 'waiting');
    if (gate?.name !== stage.name) continue;
    const reason = `superseded by run #${ctx.run.number} at ${stage.name}`;
    if (await store.updateRun(older.id, { state: 'superseded', reason, finishedAt: clock.now().toISOString() }, ['waiting'])) {
      await store.updateStage(gate.id, { state: 'superseded', reason, finishedAt: clock.now().toISOString() });
    }
  }
  if (ctx.run.fromFork === 1 && stage.idx === 0) {
    // The fork gate (see RunExecutor): before the checkout, so the fork's code has not run at all.
    return { state: 'waiting', reason: `pull request #${ctx.run.preview} comes from a fork: waiting for a deployer to approve its preview (sluice approve ${ctx.run.id})` };
  }
  return { state: 'waiting', reason: `waiting for a person to approve the deploy to ${stage.environment}` };
};
