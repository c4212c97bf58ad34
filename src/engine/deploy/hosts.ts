// Host names and URLs of environments: ENV.PROJECT.BASE serves the first service,
// SERVICE.ENV.PROJECT.BASE each service, and the release's custom domains the first service too.
export interface HostNaming {
  baseDomain: string;
  routerPort: number;
}

/** `domains`: the release's custom domains, served with the first service (see domainNamesOf). */
export function hostsOf(n: HostNaming, project: string, environment: string, service: string, first: boolean, domains: readonly string[] = []): string[] {
  const own = `${service}.${environment}.${project}.${n.baseDomain}`;
  return first ? [`${environment}.${project}.${n.baseDomain}`, own, ...domains] : [own];
}

export function urlOf(n: HostNaming, project: string, environment: string): string {
  const port = n.routerPort === 80 ? '' : `:${n.routerPort}`;
  return `http://${environment}.${project}.${n.baseDomain}${port}`;
}
