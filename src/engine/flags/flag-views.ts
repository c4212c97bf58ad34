// What `sluice flag list/get/set` show of a flag (JSON shapes in docs/flags.md): the file's
// definition, the environment's override, and what the endpoints serve (both composed).
import type { FlagDefinition } from '../../flags/flag-definition.ts';
import { composeFlag, type FlagOverride } from '../../flags/flag-overrides.ts';
import type { FlagEnvironmentState } from '../../flags/flag-records.ts';
import { variantType } from '../../flags/flag-file.ts';

export interface FlagView {
  key: string;
  /** The type its variants share. */
  type: 'boolean' | 'string' | 'number' | 'object';
  /** Removed from the flag file: evaluations answer FLAG_NOT_FOUND. */
  archived: boolean;
  archivedAt: string | null;
  /** `client: true` in the file: browsers' public key may evaluate it. */
  client: boolean;
  /** What the file defines (for an archived flag: what it last defined). */
  definition: FlagDefinition;
  /** The run-time change in force, or null. */
  override: FlagOverride | null;
  /** What evaluation uses: the definition with the override; null when archived. */
  served: FlagDefinition | null;
}

export interface FlagListView {
  project: string;
  environment: string;
  /** The environment's flag version (0: no flags yet). */
  version: number;
  /** The release whose flag file last changed the definitions (a release with the same file changes nothing). */
  release: number | null;
  flags: FlagView[];
}

export function flagView(state: FlagEnvironmentState, key: string): FlagView {
  const live = state.definitions.flags[key];
  const archived = state.archived[key];
  const definition = live ?? archived!.definition;
  const override = state.overrides[key] ?? null;
  const first = Object.values(definition.variants)[0];
  return {
    key,
    type: first === undefined ? 'boolean' : variantType(first),
    archived: live === undefined,
    archivedAt: live === undefined ? (archived?.archivedAt ?? null) : null,
    client: state.definitions.clientFlags.includes(key),
    definition,
    override,
    served: live ? composeFlag(live, override ?? undefined) : null,
  };
}
