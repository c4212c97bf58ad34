// The word index of the SQLite log store (log_block_words): what it is fed, and the FTS5 query a
// LogText becomes. The index only names candidate blocks: a block it names may hold no match (the
// exact matcher decides), but it must never leave out a block that holds one. So only ASCII terms
// are asked for (SQLite's and JavaScript's Unicode tables agree on ASCII letters and digits),
// and the three characters that JavaScript folds or lowercases into ASCII are folded alike
// before indexing.
import type { LogText } from '../log-store.ts';

const foldsToAscii = /[\u0130\u017F\u212A]/g;
const holdsFold = /[\u0130\u017F\u212A]/;
const asciiFold: Record<string, string> = { '\u0130': 'i\u0307', '\u017F': 's', '\u212A': 'k' };

/** The text given to FTS5 for a block: 'İ' lowercases to i + U+0307, 'ſ' and 'K' match s and k case-insensitively. */
export function indexedText(text: string): string {
  return holdsFold.test(text) ? text.replace(foldsToAscii, (c) => asciiFold[c]!) : text;
}

const asciiWord = /^[a-z0-9_]+$/;
const wordRuns = /[\p{L}\p{N}_]+/gu;
/** A prefix of fewer characters expands to too many words to narrow anything. */
const minPrefix = 3;

/**
 * The FTS5 query that names every block holding a line the text can match; null when the text
 * gives no word to ask for (the blocks are then scanned).
 * A token is a whole word. In a substring, a run of word characters with a non-word character on
 * each side (within the substring) is a whole word of the line; the last run, with one before it,
 * starts a word (a prefix); the first run may end one (unusable).
 */
export function wordQuery(text: LogText | undefined): string | null {
  const terms = new Set<string>();
  for (const token of text?.tokens ?? []) {
    const word = token.toLowerCase();
    if (asciiWord.test(word)) terms.add(`"${word}"`);
  }
  for (const substring of text?.substrings ?? []) {
    const lower = substring.toLowerCase();
    for (const run of lower.matchAll(wordRuns)) {
      const word = run[0];
      const start = run.index;
      const end = start + word.length;
      if (start === 0 || !asciiWord.test(word)) continue;
      if (end < lower.length) terms.add(`"${word}"`);
      else if (word.length >= minPrefix) terms.add(`"${word}"*`);
    }
  }
  return terms.size === 0 ? null : [...terms].join(' AND ');
}
