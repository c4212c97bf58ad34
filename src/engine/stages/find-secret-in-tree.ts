// Before a workspace becomes an artifact: no file may hold a build secret's value, plain or
// encoded (base64 at any alignment, hex, URL-encoded, JSON-escaped: src/secrets/secret-forms.ts),
// since an artifact is kept, unpacked and deployed many times. Only run when the build got secrets.
// One pass per file over all spellings of all values (Aho-Corasick), bytes read as latin1 so that
// binary files match byte for byte.
import fs from 'node:fs/promises';
import path from 'node:path';
import { encodedForms, MIN_SECRET_LENGTH, type SecretEncoding } from '../../secrets/secret-forms.ts';
import { StringMatcher } from '../../secrets/string-matcher.ts';

const maxFileBytes = 64 * 1024 * 1024;
/**
 * Encoded spellings shorter than this are not looked for: 4 to 7 base64 characters turn up by
 * chance in large files. Every alignment of a value of 7 bytes or more is at least this long.
 */
export const MIN_ENCODED_LENGTH = 8;

export interface SecretLeak {
  key: string;
  file: string;
  encoding: SecretEncoding;
}

interface Needle {
  key: string;
  encoding: SecretEncoding;
  /** The spelling's UTF-8 bytes as a latin1 string. */
  bytes: string;
}

export async function findSecretInTree(dir: string, secrets: Record<string, string>): Promise<SecretLeak | null> {
  const needles: Needle[] = Object.entries(secrets)
    .filter(([, v]) => v.length >= MIN_SECRET_LENGTH)
    .flatMap(([key, v]) =>
      encodedForms(v)
        .filter((f) => f.encoding === 'plain' || f.form.length >= MIN_ENCODED_LENGTH)
        .map((f) => ({ key, encoding: f.encoding, bytes: Buffer.from(f.form, 'utf8').toString('latin1') })),
    );
  if (!needles.length) return null;
  const matcher = new StringMatcher(needles.map((n) => n.bytes));
  const walk = async (d: string): Promise<SecretLeak | null> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (d === dir && entry.name === '.git') continue;
        const hit = await walk(full);
        if (hit) return hit;
      } else if (entry.isFile()) {
        const { size } = await fs.stat(full);
        if (size > maxFileBytes) continue;
        const text = (await fs.readFile(full)).toString('latin1');
        const ranges = matcher.cover(text);
        if (ranges.length === 0) continue;
        // The first covered range holds at least one whole spelling: name the value it belongs to.
        const found = text.slice(ranges[0], ranges[1]);
        const needle = needles.find((n) => found.includes(n.bytes)) ?? needles[0]!;
        return { key: needle.key, file: path.relative(dir, full), encoding: needle.encoding };
      }
    }
    return null;
  };
  return walk(dir);
}
