import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LineRedactingStream, Redactor } from '../../src/secrets/redactor.ts';

const SECRET = 'ghp_Z3kL9qW2mX8vB4nT';

async function through(chunks: Array<string | Buffer>, redactor: Redactor, opts: { maxLineLength?: number } = {}): Promise<string> {
  let out = '';
  await pipeline(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), new LineRedactingStream(redactor, opts), async (source: AsyncIterable<string>) => {
    for await (const text of source) out += text;
  });
  return out;
}

void test('a value split across two chunks is masked; line ends pass through unchanged', async () => {
  const r = new Redactor([SECRET]);
  for (let cut = 1; cut < SECRET.length; cut++) {
    const out = await through([`first line\nexport TOKEN=${SECRET.slice(0, cut)}`, `${SECRET.slice(cut)} done\r\nlast`], r);
    assert.equal(out, 'first line\nexport TOKEN=*** done\r\nlast');
  }
});

void test('one byte at a time, multi-byte characters and CR progress lines', async () => {
  const r = new Redactor([SECRET, 'пароль-секрет']);
  const text = `héllo ${SECRET}\rprogress 50% пароль-секрет\r\n\n${Buffer.from(SECRET).toString('base64')}\r`;
  const bytes = Buffer.from(text);
  const out = await through([...bytes].map((b) => Buffer.from([b])), r);
  assert.equal(out, 'héllo ***\rprogress 50% ***\r\n\n***\r');
});

void test('a partial last line is flushed redacted; an empty stream stays empty', async () => {
  const r = new Redactor([SECRET]);
  assert.equal(await through([`no newline ${SECRET.slice(0, 5)}`, SECRET.slice(5)], r), 'no newline ***');
  assert.equal(await through([], r), '');
  assert.equal(await through(['https://user:pa', 'ss@host/x\n'], r), 'https://***:***@host/x\n');
});

void test('a line longer than the limit is emitted in pieces without leaking a secret at the cut', async () => {
  const r = new Redactor([SECRET]);
  const filler = 'x'.repeat(5000);
  const chunks: string[] = [];
  let expected = '';
  for (let i = 0; i < 40; i++) {
    chunks.push(filler.slice(0, 997 + i), SECRET.slice(0, 7), SECRET.slice(7));
    expected += `${filler.slice(0, 997 + i)}***`;
  }
  chunks.push('\n');
  let emittedBeforeEnd = 0;
  const stream = new LineRedactingStream(r, { maxLineLength: 4096 });
  const out: string[] = [];
  stream.on('data', (text: string) => {
    out.push(text);
    if (!text.endsWith('\n')) emittedBeforeEnd++;
  });
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), stream);
  assert.equal(out.join(''), `${expected}\n`);
  assert.ok(emittedBeforeEnd > 0, 'the long line was not held whole in memory');
  for (const piece of out) assert.ok(!piece.includes(SECRET.slice(0, 7)) && !piece.includes(SECRET.slice(7)), piece);
});

void test('the output of a real child process printing secrets in several forms', async () => {
  const secrets = Array.from({ length: 5 }, () => randomBytes(18).toString('base64url'));
  const r = new Redactor(secrets);
  const script = `
    const s = ${JSON.stringify(secrets)};
    const out = (t) => process.stdout.write(t);
    out('start\\n' + s[0] + '\\n');
    out(Buffer.from('A=' + s[1]).toString('base64') + '\\n');
    out('url: https://bot:' + s[2] + '@git.example/x ' + encodeURIComponent(s[3]) + '\\n');
    const last = s[4];
    out('partial ' + last.slice(0, 9)); setTimeout(() => out(last.slice(9) + ' end\\n'), 30);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await pipeline(child.stdout, new LineRedactingStream(r), async (source: AsyncIterable<string>) => {
    for await (const text of source) out += text;
  });
  // The base64 line keeps the few characters that mix the secret's bits with its neighbours'.
  assert.match(out, /^start\n\*\*\*\n[A-Za-z0-9+/]{0,4}\*\*\*[A-Za-z0-9+/=]{0,4}\nurl: https:\/\/\*\*\*:\*\*\*@git\.example\/x \*\*\*\npartial \*\*\* end\n$/);
  for (const s of secrets) assert.ok(!out.includes(s));
});
