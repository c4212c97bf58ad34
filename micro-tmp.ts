import Sqlite from 'better-sqlite3';
import { corpus } from '/work/wt/logspeed/test/logs/log-corpus.ts';
const lines = Array.from({ length: 20 }, (_, i) => corpus(10000, 1000 + i, i * 10000)).flat();
const blocks: string[] = [];
for (let i = 0; i < lines.length; i += 1024) blocks.push(lines.slice(i, i + 1024).map((e) => e.text).join('\n'));
for (const tok of [
  "trigram", "unicode61 categories 'L* N*' tokenchars '_' remove_diacritics 0",
]) for (const detail of ['full', 'none']) {
  const db = new Sqlite(`/tmp/logspeed/m-${Math.random()}.db`);
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(`create virtual table t using fts5(text, content='', contentless_delete=1, detail=${detail}, tokenize="${tok}")`);
  const ins = db.prepare('insert into t(rowid, text) values (?, ?)');
  const t0 = performance.now();
  const tx = db.transaction((bs: string[], off: number) => bs.forEach((b, j) => ins.run(off + j + 1, b)));
  for (let i = 0; i < blocks.length; i += 5) tx(blocks.slice(i, i + 5), i);
  const ms = performance.now() - t0;
  console.log(tok.slice(0, 9), detail, `${(lines.length / ms).toFixed(0)}k lines/s`, db.pragma('page_count', { simple: true }) as number * 4096 / 2 ** 20, 'MiB');
  db.close();
}
// JS packing cost
const t0 = performance.now();
for (let i = 0; i < lines.length; i += 1024) { const b = lines.slice(i, i + 1024); const text = b.map((e) => e.text).join('\n'); Buffer.from(text); }
console.log('join', `${(lines.length / (performance.now() - t0)).toFixed(0)}k lines/s`);
