import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redactor } from '../../src/secrets/redactor.ts';

const SECRET = 'sk_live_9fQ2xLr7Tz';

void test('exact values are masked wherever they appear, repeatedly', () => {
  const r = new Redactor([SECRET]);
  assert.equal(r.redactLine(`token=${SECRET}`), 'token=***');
  assert.equal(r.redactLine(`${SECRET}${SECRET} and ${SECRET}.`), '*** and ***.');
  assert.equal(r.redactLine('nothing to see'), 'nothing to see');
  assert.equal(r.redactLine(''), '');
});

void test('values shorter than 4 characters are ignored', () => {
  const r = new Redactor(['abc', 'on', '']);
  r.add('123');
  assert.equal(r.size, 0);
  assert.equal(r.redactLine('abc on 123'), 'abc on 123');
  r.add('abcd');
  assert.equal(r.redactLine('xabcdx abc'), 'x***x abc');
});

void test('base64: standard and url-safe, padded and not', () => {
  const value = 'p>a?s~s>w?o~rd!';
  const r = new Redactor([value]);
  const bytes = Buffer.from(value);
  const std = bytes.toString('base64');
  const url = bytes.toString('base64url');
  assert.match(std, /[+/]/); // the two alphabets really differ for this value
  assert.equal(r.redactLine(`auth: ${std}`), 'auth: ***');
  assert.equal(r.redactLine(`auth: ${std.replace(/=+$/, '')};`), 'auth: ***;');
  assert.equal(r.redactLine(`auth: ${url}`), 'auth: ***');
  // HTTP basic auth: the secret sits at byte 5 of `user:<secret>`, not on a 3-byte boundary.
  const basic = Buffer.from(`user:${SECRET}`).toString('base64');
  const header = new Redactor([SECRET]).redactLine(`Authorization: Basic ${basic}`);
  assert.match(header, /^Authorization: Basic [A-Za-z0-9+/]{0,8}\*\*\*[A-Za-z0-9+/=]{0,4}$/);
});

void test('base64 of a longer text holding the value is masked at each byte alignment', () => {
  const r = new Redactor([SECRET]);
  for (let prefix = 0; prefix < 6; prefix++) {
    for (const suffix of ['', 'x', 'yz', '\nMORE=1\n']) {
      const blob = Buffer.from(`${'P'.repeat(prefix)}${SECRET}${suffix}`);
      for (const encoding of ['base64', 'base64url'] as const) {
        const encoded = blob.toString(encoding);
        const redacted = r.redactLine(`data: ${encoded} end`);
        assert.match(redacted, /\*\*\*/, `prefix ${prefix} ${encoding}`);
        // What is left cannot be decoded back into any 4 consecutive characters of the secret.
        const leftovers = redacted.replace(/^data: /, '').replace(/ end$/, '').split('***');
        for (const piece of leftovers) {
          const decoded = Buffer.from(piece, 'base64').toString('latin1');
          for (let i = 0; i + 4 <= SECRET.length; i++) assert.ok(!decoded.includes(SECRET.slice(i, i + 4)), `leak at prefix ${prefix}`);
        }
        assert.ok(redacted.length < `data: ${encoded} end`.length);
      }
    }
  }
});

void test('URL-encoded forms: encodeURIComponent, form encoding with +, lowercase escapes', () => {
  const value = 'p@ss word/with&odd=chars';
  const r = new Redactor([value]);
  assert.equal(r.redactLine(`GET /login?pw=${encodeURIComponent(value)}&x=1`), 'GET /login?pw=***&x=1');
  assert.equal(r.redactLine(`body: ${new URLSearchParams({ pw: value }).toString()}`), 'body: pw=***');
  assert.equal(r.redactLine(`q=${encodeURIComponent(value).replace(/%20/g, '+')}`), 'q=***');
  const lowercase = encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  assert.notEqual(lowercase, encodeURIComponent(value));
  assert.equal(r.redactLine(`q=${lowercase}`), 'q=***');
  assert.equal(r.redactLine(`{"password":${JSON.stringify('quote"d\\value')}}`), `{"password":${JSON.stringify('quote"d\\value')}}`);
  r.add('quote"d\\value');
  assert.equal(r.redactLine(`{"password":${JSON.stringify('quote"d\\value')}}`), '{"password":"***"}');
});

void test('credentials inside URLs are masked even when not known secrets', () => {
  const r = new Redactor([]);
  assert.equal(r.redactLine('cloning https://ada:ghp_abcdef123456@github.com/acme/shop.git'), 'cloning https://***:***@github.com/acme/shop.git');
  assert.equal(r.redactLine('remote: https://x-access-token:tok@ghe.example:8443/a'), 'remote: https://***:***@ghe.example:8443/a');
  assert.equal(r.redactLine('git clone https://ghp_onlyatoken@github.com/a/b'), 'git clone https://***@github.com/a/b');
  assert.equal(r.redactLine('DATABASE_URL=postgres://app:p@ss:w0rd@db:5432/app?sslmode=require'), 'DATABASE_URL=postgres://***:***@db:5432/app?sslmode=require');
  assert.equal(r.redactLine('{"url":"redis://:onlypassword@cache:6379/0","next":"a@b"}'), '{"url":"redis://:***@cache:6379/0","next":"a@b"}');
  // Not credentials: plain URLs, ports, e-mail addresses in queries, scp-style git remotes.
  for (const line of ['see https://example.com/a?b=c@d', 'http://localhost:8080/health ok', 'git@github.com:acme/shop.git', 'mail ada@example.com', 'https://example.com and ada:pw@host']) {
    assert.equal(r.redactLine(line), line);
  }
});

void test('overlapping and nested secrets are masked in full, longest first', () => {
  const r = new Redactor(['abcdef', 'defghi', 'cdefgh', 'token-1234', 'token-1234-extended']);
  assert.equal(r.redactLine('xx abcdefghi yy'), 'xx *** yy');
  assert.equal(r.redactLine('v=token-1234-extended;'), 'v=***;');
  assert.equal(r.redactLine('v=token-1234-ext'), 'v=***-ext');
  assert.equal(r.redactLine('abcdefabcdef'), '***');
});

void test('values with regular-expression characters are literal', () => {
  const values = ['a.b*c+d?', '(x|y)[z]{2}', '^$\\d\\', '.*.*'];
  const r = new Redactor(values);
  for (const v of values) assert.equal(r.redactLine(`<${v}>`), '<***>', v);
  assert.equal(r.redactLine('aXb*c+d? and xy and anything'), 'aXb*c+d? and xy and anything');
});

void test('multi-line values (a PEM key) are masked line by line; added values take effect at once', () => {
  const pem = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nQ2xLr7Tz0p\n-----END KEY-----\n';
  const r = new Redactor([]);
  assert.equal(r.redactLine('QUNSFYBAAJBAKj34GkxFhD9'), 'QUNSFYBAAJBAKj34GkxFhD9');
  r.add(pem);
  for (const line of pem.split('\n').filter((l) => l.length >= 4)) assert.equal(r.redactLine(`  ${line}`), '  ***');
  assert.equal(r.redactLine(Buffer.from(pem).toString('base64')), '***');
});

void test('a redactor of 10,000 values handles 100,000 lines', () => {
  const values = Array.from({ length: 10_000 }, (_, i) => randomBytes(10 + (i % 24)).toString(i % 2 === 0 ? 'hex' : 'base64'));
  const r = new Redactor(values);
  let masked = 0;
  for (let i = 0; i < 100_000; i++) {
    const plain = `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z step ${i}: compiled module ${(i * 2654435761).toString(16)} in ${i % 97} ms`;
    const line = i % 1000 === 0 ? `${plain} secret=${values[i % values.length]}` : plain;
    const out = r.redactLine(line);
    if (i % 1000 === 0) {
      assert.ok(out.endsWith('secret=***'), out);
      masked++;
    }
  }
  assert.equal(masked, 100);
});
