// Who may release a gated environment: `environments.ENV.approvers` of the run's own sluice.yaml
// (token names and role names), and whether the run's triggerer may (allowSelf). A token limited
// to environments may approve only gates of those environments.
import { z } from 'zod';
import { ForbiddenError } from '../errors.ts';
import type { Run } from '../store/records.ts';
import { parseStored } from '../store/stored-json.ts';

/** The caller of an approve or reject (the API's principal, seen by the engine without HTTP types). */
export interface Approver {
  name: string;
  role: 'viewer' | 'deployer' | 'admin';
  environments: readonly string[] | null;
}

const roleOrder = ['viewer', 'deployer', 'admin'] as const;

// Only what the gate needs from the compiled spec stored with the run; runs from before approvers have none.
const storedSpecSchema = z.object({
  environments: z.array(z.object({ name: z.string(), approvers: z.object({ allow: z.array(z.string()).nullable(), allowSelf: z.boolean() }).optional() })),
});

function isRoleName(entry: string): entry is (typeof roleOrder)[number] {
  return (roleOrder as readonly string[]).includes(entry);
}

/** Throws a ForbiddenError saying who may act, when `who` may not approve or reject the gate of `environment`. */
export function assertMayApprove(run: Run, environment: string, who: Approver, verb: 'approve' | 'reject'): void {
  if (who.environments !== null && !who.environments.includes(environment)) {
    throw new ForbiddenError(`token ${who.name} is limited to ${who.environments.join(', ')}: it cannot ${verb} the gate of ${environment}`);
  }
  if (run.specJson === null) return;
  const env = parseStored(storedSpecSchema, run.specJson, `run ${run.id}`).environments.find((e) => e.name === environment);
  const rule = env?.approvers;
  if (!rule) return;
  if (rule.allow !== null) {
    const listed = rule.allow.some((entry) => (isRoleName(entry) ? roleOrder.indexOf(who.role) >= roleOrder.indexOf(entry) : entry === who.name));
    if (!listed) throw new ForbiddenError(`only ${rule.allow.join(', ')} may ${verb} the deploy to ${environment} (environments.${environment}.approvers); token ${who.name} (${who.role}) is not one of them`, { approvers: rule.allow });
  }
  if (!rule.allowSelf && run.triggeredBy !== null && run.triggeredBy === who.name) {
    throw new ForbiddenError(`token ${who.name} triggered run #${run.number}: it cannot ${verb} it (environments.${environment}.approvers.allowSelf is false)`);
  }
}
