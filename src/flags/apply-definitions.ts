// A release's flag file becomes the environment's definitions: new flags are defined, changed
// ones redefined (their overrides stay, and the deploy log shows what the file changed under
// them), flags gone from the file archived (never deleted), flags back in the file unarchived.
// Pure: the state before in, the state after, its changes and the deploy log's lines out.
import { definitionDiff, overrideMismatch } from './flag-overrides.ts';
import { snapshotOf, type FlagChange, type FlagChangeAction, type FlagEnvironmentState } from './flag-records.ts';
import type { FlagFile } from './flag-file.ts';

export interface ReleaseFlags {
  project: string;
  environment: string;
  release: number;
  /** The flag file's name, for the log. */
  fileName: string;
  file: FlagFile;
  at: string;
}

export interface AppliedDefinitions {
  state: FlagEnvironmentState;
  changes: FlagChange[];
  log: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The next state, or null when the file changes nothing (no new version then). */
export function applyDefinitions(before: FlagEnvironmentState | undefined, input: ReleaseFlags): AppliedDefinitions | null {
  const version = (before?.version ?? 0) + 1;
  const { file, release, at } = input;
  const archived = { ...before?.archived };
  const overrides = { ...before?.overrides };
  const changes: FlagChange[] = [];
  const log: string[] = [];
  const change = (key: string, action: FlagChangeAction, summary: string, after: FlagChange['after']): void => {
    changes.push({ project: input.project, environment: input.environment, key, version, at, actor: `release ${release}`, action, release, before: snapshotOf(before, key), after, summary });
  };

  for (const [key, definition] of Object.entries(file.flags)) {
    const was = snapshotOf(before, key);
    let override = overrides[key] ?? null;
    const mismatch = override ? overrideMismatch(definition, override) : undefined;
    if (override && mismatch) {
      log.push(`warning: flag ${key}: its override (${describeOverride(override)}) no longer fits the file (${mismatch}): dropped`);
      delete overrides[key];
      override = null;
    }
    const after = { definition, override, archived: false };
    if (was.archived) {
      delete archived[key];
      change(key, 'unarchive', `back in ${input.fileName}`, after);
      log.push(`flag ${key} is back in ${input.fileName}: no longer archived`);
    } else if (was.definition === null) {
      change(key, 'define', `defined by ${input.fileName}`, after);
    } else if (!same(was.definition, definition)) {
      const diff = definitionDiff(was.definition, definition);
      change(key, mismatch ? 'override-dropped' : 'redefine', diff.join('; '), after);
      if (was.override) log.push(`flag ${key} redefined under its override (${describeOverride(was.override)}): ${diff.join('; ')}`);
      else log.push(`flag ${key} redefined: ${diff.join('; ')}`);
    } else if (mismatch) {
      change(key, 'override-dropped', mismatch, after);
    }
  }
  for (const [key, definition] of Object.entries(before?.definitions.flags ?? {})) {
    if (Object.hasOwn(file.flags, key)) continue;
    archived[key] = { definition, archivedAt: at, release };
    change(key, 'archive', `no longer in ${input.fileName}`, { definition, override: overrides[key] ?? null, archived: true });
    log.push(`warning: flag ${key} is no longer in ${input.fileName}: archived, not deleted; evaluations of it answer FLAG_NOT_FOUND (the code default)`);
  }
  const sharedChanged = !same(before?.definitions.evaluators ?? {}, file.evaluators) || !same(before?.definitions.clientFlags ?? [], file.clientFlags);
  if (changes.length === 0 && !sharedChanged && before !== undefined) return null;
  const defined = changes.filter((c) => c.action === 'define').length;
  const redefined = changes.filter((c) => c.action === 'redefine' || c.action === 'override-dropped').length;
  log.unshift(`flags: ${Object.keys(file.flags).length} in ${input.fileName} (${defined} new, ${redefined} changed, ${Object.keys(archived).length} archived), version ${version}`);
  return {
    state: { project: input.project, environment: input.environment, version, release, definitions: file, archived, overrides, updatedAt: at },
    changes,
    log,
  };
}

/** `DISABLED`, `default on`, `targeting {…}`: an override in a few words. */
export function describeOverride(override: { state?: string; defaultVariant?: string; targeting?: Record<string, unknown> }): string {
  const parts: string[] = [];
  if (override.state) parts.push(override.state);
  if (override.defaultVariant) parts.push(`default ${override.defaultVariant}`);
  if (override.targeting) parts.push(Object.keys(override.targeting).length ? `targeting ${JSON.stringify(override.targeting)}` : 'no targeting');
  return parts.join(', ') || 'none';
}

