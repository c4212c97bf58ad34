// Byte sizes in options: `512`, `64KiB`, `20MiB`, `1GiB` (K, M, G and KB, MB, GB mean the same
// binary units: a log cap has no use for the difference). Compiled to an integer number of bytes.
import { InvalidInputError } from '../errors.ts';

const UNIT_BYTES = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|(b)?)$/i;

export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) throw new InvalidInputError(`${JSON.stringify(text)} is not a size: write bytes, or a number with KiB, MiB or GiB (e.g. 20MiB)`, { text });
  const unit = (match[2] ?? match[3] ?? '').toLowerCase() as keyof typeof UNIT_BYTES;
  const bytes = Math.floor(Number(match[1]) * UNIT_BYTES[unit]);
  if (!Number.isSafeInteger(bytes)) throw new InvalidInputError(`${JSON.stringify(text)} is too large a size`, { text });
  return bytes;
}

/** 4194304 → `4MiB`, 1500 → `1500B`: the shortest exact form. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
