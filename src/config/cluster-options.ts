// `sluice server --runtime kubernetes --kubeconfig FILE --gateway NAMESPACE/NAME` and
// `--prometheus URL [--prometheus-preset NAME]` → checked settings, so a mistake stops the start
// naming the option (docs/decisions/0050-gateway-router-and-promql.md).
import { InvalidInputError } from '../errors.ts';
import { isPresetName, promqlPresets, type PromqlPresetName } from '../metrics/promql/promql-presets.ts';
import { parseGatewayRef, type GatewayRef } from '../router/gateway/httproute-manifest.ts';

export interface ClusterFlags {
  runtime?: string;
  kubeconfig?: string;
  gateway?: string;
  prometheus?: string;
  prometheusPreset?: string;
}

export interface ClusterSettings {
  /** The kubeconfig file (read at start: a missing or unreadable one stops the server). */
  kubeconfig: string;
  gateway: GatewayRef;
}

export interface PrometheusSettings {
  url: string;
  preset: PromqlPresetName;
}

/** null on the process runtime (the default). */
export function clusterSettingsOf(flags: ClusterFlags): ClusterSettings | null {
  const runtime = flags.runtime ?? 'process';
  if (runtime !== 'process' && runtime !== 'kubernetes') throw new InvalidInputError(`--runtime must be process or kubernetes, not ${JSON.stringify(runtime)}`);
  if (runtime === 'process') {
    const stray = (['kubeconfig', 'gateway'] as const).filter((k) => flags[k] !== undefined);
    if (stray.length) throw new InvalidInputError(`${stray.map((k) => `--${k}`).join(' and ')} need --runtime kubernetes`);
    return null;
  }
  if (flags.kubeconfig === undefined) throw new InvalidInputError('--runtime kubernetes needs --kubeconfig FILE (the cluster to deploy to)');
  if (flags.gateway === undefined) throw new InvalidInputError('--runtime kubernetes needs --gateway NAMESPACE/NAME (the Gateway the HTTPRoutes attach to)');
  const gateway = parseGatewayRef(flags.gateway);
  if (!gateway) throw new InvalidInputError(`--gateway must be NAMESPACE/NAME (DNS labels), not ${JSON.stringify(flags.gateway)}`);
  return { kubeconfig: flags.kubeconfig, gateway };
}

/** null without --prometheus: the analysis reads the router's own figures. */
export function prometheusSettingsOf(flags: ClusterFlags): PrometheusSettings | null {
  if (flags.prometheus === undefined) {
    if (flags.prometheusPreset !== undefined) throw new InvalidInputError('--prometheus-preset needs --prometheus URL');
    return null;
  }
  let url: URL;
  try {
    url = new URL(flags.prometheus);
  } catch {
    throw new InvalidInputError(`--prometheus must be an http(s) URL, not ${JSON.stringify(flags.prometheus)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`--prometheus must be an http(s) URL, not ${JSON.stringify(flags.prometheus)}`);
  // On a cluster the Gateway's proxies are measured; on one machine, Sluice's own router.
  const preset = flags.prometheusPreset ?? (flags.runtime === 'kubernetes' ? 'envoy-gateway' : 'sluice');
  if (!isPresetName(preset)) throw new InvalidInputError(`--prometheus-preset must be one of ${Object.keys(promqlPresets).join(', ')}, not ${JSON.stringify(preset)}`);
  return { url: flags.prometheus, preset };
}
