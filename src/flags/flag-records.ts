// What the store keeps of flags, per environment: the definitions of the live release's flag
// file, the flags archived since (removed from the file, kept), the run-time overrides, and a
// version that grows with every change; and every change per flag with its before and after.
// Checked with zod when read back. `environmentFlagsOf` is what the endpoints then serve.
import { z } from 'zod';
import type { EnvironmentFlags } from './environment-flags.ts';
import { flagDefinitionSchema, type FlagDefinition } from './flag-definition.ts';
import { composeFlag, flagOverrideSchema, type FlagOverride } from './flag-overrides.ts';
import { flagFileSchema, type FlagFile } from './flag-file.ts';

export interface ArchivedFlag {
  definition: FlagDefinition;
  archivedAt: string;
  /** The release whose file no longer had it. */
  release: number | null;
}

export interface FlagEnvironmentState {
  project: string;
  environment: string;
  /** 1 at the first write, +1 per change: EnvironmentFlags.version. */
  version: number;
  /** The release whose definitions these are; null before any went live. */
  release: number | null;
  definitions: FlagFile;
  archived: Record<string, ArchivedFlag>;
  overrides: Record<string, FlagOverride>;
  updatedAt: string;
}

export const FLAG_CHANGE_ACTIONS = ['define', 'redefine', 'archive', 'unarchive', 'set', 'revert', 'override-dropped'] as const;
export type FlagChangeAction = (typeof FLAG_CHANGE_ACTIONS)[number];

/** One flag's whole state at a moment: what a change's before and after hold. */
export interface FlagSnapshot {
  definition: FlagDefinition | null;
  override: FlagOverride | null;
  archived: boolean;
}

export interface FlagChange {
  project: string;
  environment: string;
  key: string;
  /** The environment's version this change made. */
  version: number;
  at: string;
  /** A token's name, or `release N` for a deploy. */
  actor: string;
  action: FlagChangeAction;
  release: number | null;
  before: FlagSnapshot;
  after: FlagSnapshot;
  /** A person's reading of it: `--percent 25:on`, `revert to version 4`, `variants: +blue`. */
  summary: string;
}

const archivedFlagSchema = z.object({ definition: flagDefinitionSchema, archivedAt: z.string(), release: z.number().int().nullable() });
export const flagSnapshotSchema: z.ZodType<FlagSnapshot> = z.object({ definition: flagDefinitionSchema.nullable(), override: flagOverrideSchema.nullable(), archived: z.boolean() });

export const flagEnvironmentStateSchema: z.ZodType<FlagEnvironmentState> = z.object({
  project: z.string().min(1),
  environment: z.string().min(1),
  version: z.number().int().min(1),
  release: z.number().int().nullable(),
  definitions: flagFileSchema,
  archived: z.record(z.string(), archivedFlagSchema),
  overrides: z.record(z.string(), flagOverrideSchema),
  updatedAt: z.string(),
});

export const flagChangeSchema: z.ZodType<FlagChange> = z.object({
  project: z.string().min(1),
  environment: z.string().min(1),
  key: z.string().min(1),
  version: z.number().int().min(1),
  at: z.string(),
  actor: z.string(),
  action: z.enum(FLAG_CHANGE_ACTIONS),
  release: z.number().int().nullable(),
  before: flagSnapshotSchema,
  after: flagSnapshotSchema,
  summary: z.string(),
});

export interface FlagChangeFilter {
  project: string;
  environment: string;
  key?: string;
  limit: number;
}

/** The part of the Store flags need (src/store/sql/sql-flags.ts implements it). */
export interface FlagRecords {
  getFlagState(project: string, environment: string): Promise<FlagEnvironmentState | undefined>;
  /** Every environment's flag state (to publish them all again at start). */
  listFlagStates(): Promise<FlagEnvironmentState[]>;
  /**
   * Writes the state and appends its changes in one transaction, if the stored version is still
   * `expectedVersion` (null: no state stored yet); false when another writer came first.
   */
  putFlagState(state: FlagEnvironmentState, expectedVersion: number | null, changes: FlagChange[]): Promise<boolean>;
  /** Newest first. */
  listFlagChanges(filter: FlagChangeFilter): Promise<FlagChange[]>;
  /** The environment is gone (a preview closed): its flag state and changes go too. */
  deleteFlagState(project: string, environment: string): Promise<void>;
}

/** What a flag key is in a state: live (its definition and override), archived, or unknown. */
export function snapshotOf(state: FlagEnvironmentState | undefined, key: string): FlagSnapshot {
  const live = state?.definitions.flags[key];
  if (live) return { definition: live, override: state.overrides[key] ?? null, archived: false };
  const archived = state?.archived[key];
  return { definition: archived?.definition ?? null, override: state?.overrides[key] ?? null, archived: archived !== undefined };
}

/** What every endpoint serves: definitions with overrides composed; archived flags left out. */
export function environmentFlagsOf(state: FlagEnvironmentState): EnvironmentFlags {
  const flags: Record<string, FlagDefinition> = {};
  for (const [key, definition] of Object.entries(state.definitions.flags)) flags[key] = composeFlag(definition, state.overrides[key]);
  return {
    project: state.project,
    environment: state.environment,
    version: state.version,
    flags,
    evaluators: state.definitions.evaluators,
    clientFlags: state.definitions.clientFlags.filter((key) => key in flags),
    archived: Object.keys(state.archived).sort(),
  };
}
