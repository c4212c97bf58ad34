// Custom domain names as sluice.yaml gives them: RFC 1123 host names, compared without case.
// Refused with the reason: IP addresses (no certificate authority issues for them over
// HTTP-01 here), ports and schemes (a domain is only a name), and wildcards, which need a
// DNS-01 challenge Sluice does not offer (docs/decisions/0020-custom-domains.md).
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const MAX_HOST_NAME = 253;

/** The form a claim and a route hold: lowercase, without the root's trailing dot. */
export function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Why `input` cannot be a custom domain, or null when it can. */
export function hostNameProblem(input: string): string | null {
  const raw = input.trim();
  if (raw === '') return 'must not be empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return `${JSON.stringify(raw)} is a URL: give only the host name (${normalizeHostName(raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/:]/)[0] ?? '')})`;
  if (raw.includes('*')) {
    return `${JSON.stringify(raw)} is a wildcard: wildcard certificates need the DNS-01 challenge, which Sluice does not offer (it answers HTTP-01 itself); list each name instead, e.g. ${raw.replace(/\*/g, 'www')}`;
  }
  if (raw.startsWith('[') || (raw.match(/:/g) ?? []).length > 1) return `${JSON.stringify(raw)} is an IP address: give a host name (certificates are issued for names)`;
  if (raw.includes(':')) return `${JSON.stringify(raw)} has a port: give only the host name (${normalizeHostName(raw.split(':')[0] ?? '')}); the router serves it on --router-port and --https-port`;
  const name = normalizeHostName(raw);
  if (name.length > MAX_HOST_NAME) return `${JSON.stringify(raw)} is ${name.length} characters long: a host name has at most ${MAX_HOST_NAME}`;
  const labels = name.split('.');
  if (labels.every((l) => /^\d+$/.test(l))) return `${JSON.stringify(raw)} is an IP address: give a host name (certificates are issued for names)`;
  if (labels.length < 2) return `${JSON.stringify(raw)} has a single label: a custom domain is a full name such as shop.example.com`;
  for (const label of labels) {
    if (label === '') return `${JSON.stringify(raw)} has an empty label (two dots in a row, or a leading dot)`;
    if (label.length > 63) return `${JSON.stringify(raw)} has a label of ${label.length} characters: a label has at most 63`;
    if (!LABEL.test(label)) return `${JSON.stringify(raw)} is not a valid host name: label ${JSON.stringify(label)} may hold only letters, digits and "-", and may not start or end with "-"`;
  }
  // A top-level label of digits only makes a name a numeric address to many resolvers (RFC 3696 §2).
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `${JSON.stringify(raw)} ends in a numeric label: a top-level domain is never all digits`;
  return null;
}
