// An image reference as `docker pull` reads it (github.com/distribution/reference's grammar):
// [HOST[:PORT]/]PATH[:TAG][@sha256:HEX]. A first component with a dot, a port or `localhost`
// is the registry host; otherwise the image is on Docker Hub (docker.io, `library/` for one
// component). Pure: used by `sluice validate` and by the image builder.

export interface ImageReference {
  /** host[:port] of the registry, e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly host: string;
  /** The repository path inside the registry, e.g. `library/node`. */
  readonly repository: string;
  /** null when the reference has only a digest (or neither: then `latest` is used). */
  readonly tag: string | null;
  /** `sha256:<64 hex>` when pinned. */
  readonly digest: string | null;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

/** The reference, or the reason it is not one. */
export function parseImageReference(text: string): ImageReference | { problem: string } {
  if (text.length === 0 || text.length > 512) return { problem: 'expected an image reference of 1 to 512 characters' };
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { problem: `"${digest}" is not a digest: expected sha256: and 64 lowercase hex digits` };
  }
  let tag: string | null = null;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { problem: `"${tag}" is not a tag: letters, digits, _, . and - (at most 128, not starting with . or -)` };
  }
  const parts = rest.split('/');
  let host = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) return { problem: `"${first}" is not a registry host[:port]` };
    host = first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) {
    return { problem: `"${parts.join('/')}" is not a repository name: lowercase letters and digits, separated by /, ., _, __ or -` };
  }
  if (host === 'docker.io' && parts.length === 1) parts.unshift('library');
  return { host, repository: parts.join('/'), tag: tag ?? (digest ? null : 'latest'), digest };
}

/** `host/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.host}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
