// A fresh unpack of the run's artifact: what is tested and verified is exactly what ships.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunContext } from '../run-context.ts';

export async function freshUnpack(ctx: RunContext, name: string): Promise<string> {
  const digest = ctx.run.artifactDigest;
  if (!digest) throw new Error(`run #${ctx.run.number} has no artifact: its build stage did not finish`);
  const dir = path.join(ctx.workspace, name);
  await fs.rm(dir, { recursive: true, force: true });
  await ctx.deps.artifacts.unpack(digest, dir);
  return dir;
}
