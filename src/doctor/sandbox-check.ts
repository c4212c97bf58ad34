// Whether steps and instances can run inside bubblewrap here, as `sluice server` requires
// (unless started with --sandbox none).
import { errorMessage } from '../errors.ts';
import { findExecutable, probeSandbox, SANDBOX_FIX, SANDBOX_USER, sandboxIdentity } from '../sandbox/open-sandbox.ts';
import type { SandboxIdentity } from '../sandbox/sandbox.ts';
import { fail, pass, type DoctorCheck } from './doctor-check.ts';

export async function checkSandbox(pathEnv: string): Promise<DoctorCheck> {
  const bwrap = findExecutable('bwrap', pathEnv);
  if (!bwrap) return fail('sandbox', `bubblewrap (bwrap) is not found in PATH ${pathEnv}: sluice server refuses to start without it`, SANDBOX_FIX);
  let identity: SandboxIdentity;
  let note = '';
  try {
    identity = await sandboxIdentity(pathEnv, false);
  } catch {
    // Root, and the server has not created its sandbox user yet: prove the namespaces instead.
    identity = { kind: 'userns' };
    note = `; the server creates the user ${SANDBOX_USER} at its first start`;
  }
  try {
    await probeSandbox({ bwrap, identity });
  } catch (error) {
    return fail('sandbox', errorMessage(error), SANDBOX_FIX);
  }
  const who = identity.kind === 'user' ? `as user ${identity.name} (uid ${identity.uid})` : 'in a user namespace';
  return pass('sandbox', `${bwrap} starts sandboxes ${who}${note}`);
}
