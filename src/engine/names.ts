// Project, service and environment names are DNS labels: they become host names.
import { InvalidInputError } from '../errors.ts';

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function assertDnsLabel(kind: string, name: string): void {
  if (!dnsLabel.test(name)) {
    throw new InvalidInputError(
      `${kind} name ${JSON.stringify(name)} is not valid: use lowercase letters, digits and hyphens (at most 63, not starting or ending with a hyphen)`,
      { kind, name },
    );
  }
}
