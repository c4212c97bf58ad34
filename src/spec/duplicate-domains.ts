// A custom domain is served by one environment: the same name twice in one file (in one
// environment or in two) is refused at the second place, naming the first.
import { normalizeHostName } from './host-name.ts';
import type { RawSpec } from './schema.ts';
import type { SpecPath } from './yaml-locate.ts';

export function duplicateDomains(raw: RawSpec, environmentOrder: readonly string[]): Array<{ path: SpecPath; message: string }> {
  const first = new Map<string, string>();
  const out: Array<{ path: SpecPath; message: string }> = [];
  const environments = raw.environments ?? {};
  const names = [...environmentOrder.filter((n) => Object.hasOwn(environments, n)), ...Object.keys(environments).filter((n) => !environmentOrder.includes(n))];
  for (const env of names) {
    for (const [index, domain] of (environments[env]?.domains ?? []).entries()) {
      const name = normalizeHostName(typeof domain === 'string' ? domain : domain.name);
      const seen = first.get(name);
      const path: SpecPath = typeof domain === 'string' ? ['environments', env, 'domains', index] : ['environments', env, 'domains', index, 'name'];
      if (seen !== undefined) out.push({ path, message: `${name} is listed twice (first in ${seen}): a domain is served by one environment` });
      else first.set(name, `environments.${env}.domains`);
    }
  }
  return out;
}
