/** A path on this server to return to after signing in; anything else (another origin, "//host") goes to "/". */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 2000 ? value : '/';
}
