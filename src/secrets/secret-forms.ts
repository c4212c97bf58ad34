// The spellings of a secret that may show up in a log line. Like GitHub Actions' masker, base64
// is covered at all three byte alignments: a value inside a longer base64 blob (a `.env` file or
// a Docker auth config, base64-encoded) only yields the characters that depend on the value's
// bytes alone, so each alignment contributes its own stable slice.

/** Values shorter than this are ignored: masking "on" or "123" would shred every log line. */
export const MIN_SECRET_LENGTH = 4;

export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  // A multi-line value (a PEM key) is printed line by line, and lines are redacted one at a time.
  for (const line of value.split(/\r\n|\r|\n/)) {
    forms.add(line);
    forms.add(line.trim());
  }
  for (const f of encodedForms(value)) forms.add(f.form);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH && !/[\r\n]/.test(f));
}

export type SecretEncoding = 'plain' | 'base64' | 'hex' | 'URL-encoded' | 'JSON-escaped';

/**
 * The whole value and its encodings: base64 (standard and URL-safe, padded and not, and the
 * slices that stay the same at each of the three byte alignments inside a longer blob), hex
 * (lower and upper case; a byte is always two digits, so hex has no alignment problem),
 * percent-encoding (URI component, form, URI; upper and lower case escapes) and JSON escaping.
 * A spelling shared by two encodings is listed once, under the first.
 */
export function encodedForms(value: string): Array<{ form: string; encoding: SecretEncoding }> {
  const out = new Map<string, SecretEncoding>();
  const add = (form: string, encoding: SecretEncoding): void => {
    if (form.length >= MIN_SECRET_LENGTH && !out.has(form)) out.set(form, encoding);
  };
  const whole = [value, value.trim()].filter((v) => v.length >= MIN_SECRET_LENGTH);
  for (const v of whole) add(v, 'plain');
  for (const v of whole) {
    const bytes = Buffer.from(v, 'utf8');
    for (const b64 of base64Forms(bytes)) add(b64, 'base64');
    add(bytes.toString('hex'), 'hex');
    add(bytes.toString('hex').toUpperCase(), 'hex');
    for (const encoded of percentForms(v)) add(encoded, 'URL-encoded');
    add(JSON.stringify(v).slice(1, -1), 'JSON-escaped'); // as printed inside JSON (quotes, backslashes escaped)
  }
  return [...out].map(([form, encoding]) => ({ form, encoding }));
}

function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  const full = bytes.toString('base64');
  out.push(full, full.replace(/=+$/, ''));
  for (let shift = 0; shift < 3; shift++) {
    // Encoded after `shift` unknown bytes: keep the characters made of the value's bits only.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    if (end > start) out.push(encoded.slice(start, end));
  }
  return out.flatMap((b64) => [b64, b64.replace(/\+/g, '-').replace(/\//g, '_')]);
}

function percentForms(value: string): string[] {
  let component: string;
  try {
    component = encodeURIComponent(value);
  } catch {
    return []; // a lone surrogate cannot be percent-encoded, so it cannot appear that way either
  }
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  const forms = [component, component.replace(/%20/g, '+'), form, encodeURI(value)];
  // Percent escapes are case-insensitive; some encoders emit lowercase hex.
  return forms.flatMap((f) => [f, f.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())]);
}
