// What a token limited to projects (or environments) may read from /metrics: the series of its
// projects and environments, plus the two that say nothing about any project (build info, data
// plane up). Webhooks by host and certificates by domain are not per project: an unlimited token
// sees them.
import { isScoped, seesEnvironment, seesProject } from '../auth/permission.ts';
import type { Principal } from '../auth/principal.ts';
import type { MetricKey } from './metric-catalog.ts';
import type { Series } from './series.ts';

const global: ReadonlySet<MetricKey> = new Set(['buildInfo', 'dataPlaneUp']);

export function visibleSeries(series: readonly Series[], p: Principal): Series[] {
  if (!isScoped(p)) return [...series];
  return series.filter((s) => {
    if (global.has(s.metric)) return true;
    const { project, environment } = s.labels;
    if (project === undefined || !seesProject(p, project)) return false;
    return environment === undefined || seesEnvironment(p, environment);
  });
}
