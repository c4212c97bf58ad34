// Rates in the pipeline file: `1%` (0..100) or a fraction from 0 to 1. Compiled to a fraction.
import { InvalidInputError } from '../errors.ts';

export const PERCENT_PATTERN = /^\d+(?:\.\d+)?\s*%$/;

export function parsePercent(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0 && text <= 1) return text;
    throw bad(text);
  }
  const trimmed = text.trim();
  if (!PERCENT_PATTERN.test(trimmed)) throw bad(text);
  const value = Number(trimmed.slice(0, -1).trim());
  if (value > 100) throw bad(text);
  return value / 100;
}

export function isPercent(text: string | number): boolean {
  try {
    parsePercent(text);
    return true;
  } catch {
    return false;
  }
}

function bad(text: string | number): InvalidInputError {
  return new InvalidInputError(`invalid percentage ${JSON.stringify(text)}: expected e.g. 1% or a fraction from 0 to 1`, { text });
}
