// Run-time changes of a flag (`sluice flag set`) and how they compose with the definition a
// release brought: an override replaces the parts it names (state, default variant, targeting)
// and leaves the rest to the file. Pure: the store keeps overrides, this decides what is served.
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import type { FlagDefinition } from './flag-definition.ts';

export interface FlagOverride {
  state?: 'ENABLED' | 'DISABLED';
  defaultVariant?: string;
  /** Replaces the file's targeting; `{}` serves the default variant to everyone. */
  targeting?: Record<string, unknown>;
}

export const flagOverrideSchema: z.ZodType<FlagOverride> = z.strictObject({
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
  defaultVariant: z.string().min(1).optional(),
  targeting: z.record(z.string(), z.unknown()).optional(),
});

/** What `sluice flag set` asks for: one change, closed. */
export type FlagCommand =
  | { kind: 'on' }
  | { kind: 'off' }
  | { kind: 'variant'; variant: string }
  | { kind: 'percent'; percent: number; variant?: string }
  | { kind: 'disable' }
  | { kind: 'enable' };

export const flagCommandSchema: z.ZodType<FlagCommand> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('on') }),
  z.strictObject({ kind: z.literal('off') }),
  z.strictObject({ kind: z.literal('variant'), variant: z.string().min(1) }),
  z.strictObject({ kind: z.literal('percent'), percent: z.number(), variant: z.string().min(1).optional() }),
  z.strictObject({ kind: z.literal('disable') }),
  z.strictObject({ kind: z.literal('enable') }),
]);

/** The flag as served: the definition with the override's parts in place. */
export function composeFlag(definition: FlagDefinition, override: FlagOverride | undefined): FlagDefinition {
  if (override === undefined) return definition;
  const flag: FlagDefinition = { ...definition };
  if (override.state !== undefined) flag.state = override.state;
  if (override.defaultVariant !== undefined) flag.defaultVariant = override.defaultVariant;
  if (override.targeting !== undefined) {
    if (Object.keys(override.targeting).length === 0) delete flag.targeting;
    else flag.targeting = override.targeting;
  }
  return flag;
}

/** Why an override no longer fits a definition (a variant it names is gone), or undefined. */
export function overrideMismatch(definition: FlagDefinition, override: FlagOverride): string | undefined {
  const names = Object.keys(definition.variants);
  if (override.defaultVariant !== undefined && !names.includes(override.defaultVariant)) return `variant "${override.defaultVariant}" is no longer defined`;
  for (const variant of fractionalVariants(override.targeting)) if (!names.includes(variant)) return `variant "${variant}" is no longer defined`;
  return undefined;
}

/** The override a command makes, from the current one: a variant or a percentage also enables the flag. */
export function applyCommand(key: string, definition: FlagDefinition, current: FlagOverride | undefined, command: FlagCommand): FlagOverride {
  const base: FlagOverride = { ...current };
  switch (command.kind) {
    case 'disable':
      return { ...base, state: 'DISABLED' };
    case 'enable':
      return { ...base, state: 'ENABLED' };
    case 'on':
    case 'off':
      return { state: 'ENABLED', defaultVariant: onOffVariant(key, definition, command.kind), targeting: {} };
    case 'variant':
      return { state: 'ENABLED', defaultVariant: known(key, definition, command.variant), targeting: {} };
    case 'percent': {
      const { percent } = command;
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new InvalidInputError(`--percent ${percent}: expected a number from 0 to 100`, { percent });
      const variant = command.variant === undefined ? onOffVariant(key, definition, 'on') : known(key, definition, command.variant);
      const rest = restVariant(key, definition, current, variant);
      // flagd's weights are relative (it buckets over their sum): whole percentages as written,
      // else hundredths of a percent.
      const scale = Number.isInteger(percent) ? 1 : 100;
      const weight = Math.round(percent * scale);
      return { state: 'ENABLED', defaultVariant: rest, targeting: { fractional: [[variant, weight], [rest, 100 * scale - weight]] } };
    }
  }
}

/** `on`/`off`: the variant so named, or for a boolean flag its true/false variant. */
export function onOffVariant(key: string, definition: FlagDefinition, which: 'on' | 'off'): string {
  if (Object.hasOwn(definition.variants, which)) return which;
  const wanted = which === 'on';
  const match = Object.entries(definition.variants).find(([, value]) => value === wanted);
  if (match) return match[0];
  throw new InvalidInputError(`flag ${key} has no variant named "${which}" and no ${String(wanted)} variant: use --variant NAME (variants: ${Object.keys(definition.variants).join(', ')})`);
}

function known(key: string, definition: FlagDefinition, variant: string): string {
  if (Object.hasOwn(definition.variants, variant)) return variant;
  throw new InvalidInputError(`flag ${key} has no variant "${variant}" (variants: ${Object.keys(definition.variants).join(', ')})`);
}

/** Who does not fall in the percentage gets the `off` variant, else the current default, else another variant. */
function restVariant(key: string, definition: FlagDefinition, current: FlagOverride | undefined, chosen: string): string {
  const candidates = [tryOff(key, definition), current?.defaultVariant, definition.defaultVariant, ...Object.keys(definition.variants)];
  const rest = candidates.find((c): c is string => typeof c === 'string' && c !== chosen && Object.hasOwn(definition.variants, c));
  if (rest === undefined) throw new InvalidInputError(`flag ${key} has only the variant "${chosen}": a percentage needs two`);
  return rest;
}

function tryOff(key: string, definition: FlagDefinition): string | undefined {
  try {
    return onOffVariant(key, definition, 'off');
  } catch {
    return undefined;
  }
}

function fractionalVariants(rule: unknown): string[] {
  if (rule === null || typeof rule !== 'object') return [];
  if (Array.isArray(rule)) return rule.flatMap(fractionalVariants);
  const out: string[] = [];
  for (const [op, args] of Object.entries(rule)) {
    if (op === 'fractional' && Array.isArray(args)) for (const b of args) if (Array.isArray(b) && typeof b[0] === 'string') out.push(b[0]);
    out.push(...fractionalVariants(args));
  }
  return out;
}

/** One line per part that differs between two definitions of a flag, for the deploy log. */
export function definitionDiff(before: FlagDefinition, after: FlagDefinition): string[] {
  const lines: string[] = [];
  if (before.state !== after.state) lines.push(`state ${before.state} → ${after.state}`);
  if (before.defaultVariant !== after.defaultVariant) lines.push(`defaultVariant ${String(before.defaultVariant)} → ${String(after.defaultVariant)}`);
  const names = new Set([...Object.keys(before.variants), ...Object.keys(after.variants)]);
  for (const name of names) {
    const a = before.variants[name];
    const b = after.variants[name];
    if (a === undefined) lines.push(`variant ${name} added: ${JSON.stringify(b)}`);
    else if (b === undefined) lines.push(`variant ${name} removed (was ${JSON.stringify(a)})`);
    else if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`variant ${name}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  }
  if (JSON.stringify(before.targeting ?? {}) !== JSON.stringify(after.targeting ?? {})) lines.push(`targeting ${JSON.stringify(before.targeting ?? {})} → ${JSON.stringify(after.targeting ?? {})}`);
  if (JSON.stringify(before.metadata ?? {}) !== JSON.stringify(after.metadata ?? {})) lines.push('metadata changed');
  return lines;
}
