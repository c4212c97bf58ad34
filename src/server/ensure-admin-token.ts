// The first start on a store without tokens makes an admin token and writes it to
// <data>/admin.token (0600) before the API listens, so there is never a moment when the API
// answers and nobody can use it. The file is written before the token is stored: a crash in
// between leaves a store still without tokens, and the next start writes a new one.
import path from 'node:path';
import { writeFileDurable } from '../fs/write-file-durable.ts';
import { adminTokenName, type TokenService } from '../auth/token-service.ts';
import { hashToken, newTokenValue } from '../auth/token-value.ts';
import type { Store } from '../store/store.ts';

export function adminTokenFileOf(dataDir: string): string {
  return path.join(dataDir, 'admin.token');
}

/** Returns the file written, or null when the store already had tokens. */
export async function ensureAdminToken(store: Store, tokens: TokenService, dataDir: string, now: Date): Promise<string | null> {
  if (!(await tokens.none())) return null;
  const file = adminTokenFileOf(dataDir);
  const { id, value } = newTokenValue();
  writeFileDurable(file, `${value}\n`, { mode: 0o600 });
  await store.createToken({
    name: adminTokenName,
    id,
    hash: hashToken(value),
    role: 'admin',
    projects: null,
    environments: null,
    createdBy: 'sluice server (first start)',
    createdAt: now.toISOString(),
    expiresAt: null,
    revokedAt: null,
  });
  return file;
}
