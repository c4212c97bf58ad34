// The word index of the SQLite log store (log_block_words): what it is fed, and the FTS5 query a
// LogText becomes. The index only names candidate blocks: a block it names may hold no match (the
// exact matcher decides), but it must never leave out a block that holds one. So only ASCII terms
// are asked for (SQLite's and JavaScript's Unicode tables agree on ASCII letters and digits),
// the three characters that JavaScript folds or lowercases into ASCII are folded alike before
// indexing, and words are cut where JavaScript cuts them (test/logs/sqlite-log-store.test.ts).
import { realpathSync } from 'node:fs';
import type Sqlite from 'better-sqlite3';
import type { LogText } from '../log-store.ts';

const needsFolding = /[\u0130\u017F\u212A\p{M}]/u;
const folding = /[\u0130\u017F\u212A\p{M}]/gu;
const asciiFold: Record<string, string> = { '\u0130': 'i ', '\u017F': 's', '\u212A': 'k' };

/**
 * The text given to FTS5 for a block. 'İ' lowercases to i + U+0307; 'ſ' and 'K' match s and k
 * case-insensitively. Combining marks end a word for JavaScript (not a letter, digit or
 * underscore) while unicode61 keeps them inside a token whatever its categories: a space here
 * cuts the words where a token ends.
 */
export function indexedText(text: string): string {
  return needsFolding.test(text) ? text.replace(folding, (c) => asciiFold[c] ?? ' ') : text;
}

const asciiWord = /^[a-z0-9_]+$/;
const wordRuns = /[\p{L}\p{N}_]+/gu;
/** A prefix of fewer characters expands to too many words to be worth asking for. */
const minPrefix = 3;

/**
 * The FTS5 query that names every block holding a line the text can match; null when the text
 * gives no word to ask for (the blocks are then scanned).
 * A token is a whole word. A substring's runs of word characters are consecutive words of the
 * line, so they make a phrase: every run with a non-word character before it (within the
 * substring) starts a word, and every run but the last also ends one; the last is a prefix. The
 * first run, at the substring's start, may end a longer word and is left out. A run that is not
 * ASCII cannot be asked for and cuts the phrase in two.
 */
export function wordQuery(text: LogText | undefined): string | null {
  const terms = new Set<string>();
  for (const token of text?.tokens ?? []) {
    const word = token.toLowerCase();
    if (asciiWord.test(word)) terms.add(`"${word}"`);
  }
  for (const substring of text?.substrings ?? []) {
    const lower = substring.toLowerCase();
    let phrase: string[] = [];
    const flush = (prefix: boolean): void => {
      // A short prefix expands to a great many words (every number starting with 1): left out.
      if (prefix && phrase[phrase.length - 1]!.length < minPrefix) {
        phrase.pop();
        prefix = false;
      }
      if (phrase.length > 0) terms.add(`"${phrase.join(' ')}"${prefix ? ' *' : ''}`);
      phrase = [];
    };
    for (const run of lower.matchAll(wordRuns)) {
      const word = run[0];
      if (run.index === 0) continue;
      if (!asciiWord.test(word)) {
        flush(false);
        continue;
      }
      phrase.push(word);
    }
    flush(phrase.length > 0 && lower.endsWith(phrase[phrase.length - 1]!) && wordEndsAtEnd(lower));
  }
  return terms.size === 0 ? null : [...terms].join(' AND ');
}

/** Whether the substring ends inside a word (its last run reaches its end): that word is then a prefix. */
const wordEndsAtEnd = (s: string): boolean => /[\p{L}\p{N}_]$/u.test(s);

// The index's own file (sqlite-log-indexer.ts fills it), attached to the log database as `w`.
export const wordsSchema = `
create virtual table if not exists w.log_block_words using fts5 (text, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 0 categories 'L* N*' tokenchars '_'");
create table if not exists w.log_indexed (block_id integer primary key) strict;
create table if not exists w.log_index_state (key text primary key, value integer not null) strict;
insert or ignore into w.log_index_state (key, value) values ('through', 0);
`;

/** The words file of the log database at `file`: beside the file a link points to, where SQLite puts its WAL. */
export function wordsFileOf(file: string): string {
  return `${realpathSync(file)}-words`;
}

/** Every block whose last line id is at most this has its words in the index. */
export function indexedThrough(prepare: (sql: string) => Sqlite.Statement): number {
  return (prepare("select value from w.log_index_state where key = 'through'").get() as { value: number }).value;
}
