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
  const whole = [value, value.trim()].filter((v) => v.length >= MIN_SECRET_LENGTH);
  for (const v of whole) {
    for (const b64 of base64Forms(Buffer.from(v, 'utf8'))) forms.add(b64);
    for (const encoded of percentForms(v)) forms.add(encoded);
    forms.add(JSON.stringify(v).slice(1, -1)); // as printed inside JSON (quotes, backslashes escaped)
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH && !/[\r\n]/.test(f));
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
