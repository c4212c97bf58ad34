// Host names and URLs of environments: ENV.PROJECT.BASE serves the first service,
// SERVICE.ENV.PROJECT.BASE each service.
export interface HostNaming {
  baseDomain: string;
  routerPort: number;
}

export function hostsOf(n: HostNaming, project: string, environment: string, service: string, first: boolean): string[] {
  const own = `${service}.${environment}.${project}.${n.baseDomain}`;
  return first ? [`${environment}.${project}.${n.baseDomain}`, own] : [own];
}

export function urlOf(n: HostNaming, project: string, environment: string): string {
  const port = n.routerPort === 80 ? '' : `:${n.routerPort}`;
  return `http://${environment}.${project}.${n.baseDomain}${port}`;
}
