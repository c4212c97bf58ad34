// What entering an analysed step resets, the same for a canary's and a flag rollout's step:
// a new window of figures from now, no looks yet, no pending promote.
export interface StepEntry {
  phase: 'step';
  step: number;
  state: 'progressing';
  reason: null;
  stepStartedAt: string;
  windowJson: string;
  looks: 0;
  promoteRequested: null;
}

export function stepEntry(step: number, now: Date, window: unknown): StepEntry {
  return { phase: 'step', step, state: 'progressing', reason: null, stepStartedAt: now.toISOString(), windowJson: JSON.stringify(window), looks: 0, promoteRequested: null };
}
