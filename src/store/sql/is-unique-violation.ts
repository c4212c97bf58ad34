/** A unique or primary-key violation, in SQLite's or PostgreSQL's words. */
export function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message}` : '';
  return /UNIQUE|unique|23505|PRIMARYKEY/.test(text);
}
