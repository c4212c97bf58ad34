// What the store keeps of a flag rollout (`sluice flag rollout`): the flag, the variant it rolls
// out, its plan (steps, pause, analysis), where the machine is, the figures at the current step's
// start, the analysis' decisions, and the override the flag had before (put back on abort).
// States and phases are closed unions: anything else read back is a coded error.
import { z } from 'zod';
import { flagOverrideSchema, type FlagOverride } from './flag-overrides.ts';

export const FLAG_ROLLOUT_STATES = ['progressing', 'paused', 'promoted', 'aborted'] as const;
export type FlagRolloutState = (typeof FLAG_ROLLOUT_STATES)[number];
export const ACTIVE_FLAG_ROLLOUT_STATES: readonly FlagRolloutState[] = ['progressing', 'paused'];

/** start: nothing served yet; step: a percentage is served and judged; done: promoted or aborted. */
export const FLAG_ROLLOUT_PHASES = ['start', 'step', 'done'] as const;
export type FlagRolloutPhase = (typeof FLAG_ROLLOUT_PHASES)[number];

/** `next`: the next step now; `full`: the variant to everyone now. */
export type FlagPromoteRequest = 'next' | 'full';

/** The analysis as compiled from `--analysis` (the fields of the pipeline file's AnalysisSpec). */
export interface FlagRolloutAnalysis {
  maxErrorRate: number | null;
  maxP99Ms: number | null;
  minSamples: number;
  intervalMs: number;
  alpha: number;
}

export interface FlagRolloutPlan {
  /** Percentages, increasing, each 1..100. */
  steps: number[];
  /** How long each step holds before the next (ms). */
  pauseMs: number;
  /** null: steps advance by the pause alone. */
  analysis: FlagRolloutAnalysis | null;
  /** The flag's variants when it started: the rest (the comparison side) is every other one. */
  variants: string[];
  /** The override in force before the rollout (null: none), put back on abort. */
  prior: FlagOverride | null;
}

export interface FlagRollout {
  id: string;
  project: string;
  environment: string;
  flag: string;
  variant: string;
  state: FlagRolloutState;
  phase: FlagRolloutPhase;
  /** Index into plan.steps. */
  step: number;
  planJson: string;
  stepStartedAt: string | null;
  /** The per-variant figures at the current window's start (metrics-window's snapshot shape). */
  windowJson: string | null;
  looks: number;
  /** StoredDecision[] (engine/rollout/decisions.ts). */
  decisionsJson: string;
  reason: string | null;
  promoteRequested: FlagPromoteRequest | null;
  abortRequested: string | null;
  /** `token:NAME` of who asked for the abort. */
  abortCause: string | null;
  /** Token name of who started it: the actor of its flag changes. */
  startedBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const analysisSchema = z.object({
  maxErrorRate: z.number().min(0).max(1).nullable(),
  maxP99Ms: z.number().min(0).nullable(),
  minSamples: z.number().int().min(1),
  intervalMs: z.number().int().min(1),
  alpha: z.number().gt(0).lt(1),
});

export const flagRolloutPlanSchema: z.ZodType<FlagRolloutPlan> = z.object({
  steps: z.array(z.number().gt(0).max(100)).min(1),
  pauseMs: z.number().int().min(0),
  analysis: analysisSchema.nullable(),
  variants: z.array(z.string().min(1)).min(2),
  prior: flagOverrideSchema.nullable(),
});

export interface FlagRolloutFilter {
  states?: readonly FlagRolloutState[];
  project?: string;
  environment?: string;
}

/** The part of the Store flag rollouts need (src/store/sql/sql-flag-rollouts.ts implements it). */
export interface FlagRolloutRecords {
  /** Stores a new rollout unless the flag already has an active one (then false, nothing written). */
  createFlagRollout(rollout: FlagRollout): Promise<boolean>;
  getFlagRollout(id: string): Promise<FlagRollout | undefined>;
  /** The newest rollout of a flag, active or not. */
  latestFlagRollout(project: string, environment: string, flag: string): Promise<FlagRollout | undefined>;
  /** Oldest first. */
  listFlagRollouts(filter: FlagRolloutFilter): Promise<FlagRollout[]>;
  updateFlagRollout(id: string, patch: Partial<Omit<FlagRollout, 'id' | 'project' | 'environment' | 'flag'>>): Promise<void>;
}
