// Picks the tracer: the no-op one when no OTLP endpoint is configured (nothing of OpenTelemetry
// is loaded then), else the OpenTelemetry SDK, imported here and only here.
import { noopTracing, type Tracing } from '../engine/tracing.ts';
import type { TracingConfig } from './tracing-config.ts';

export interface TracingResource {
  serviceVersion: string;
  hostName: string;
  /** Tells replicas apart (the engine's lease owner, host:pid:random). */
  instanceId: string;
}

export async function openTracing(config: TracingConfig | null, resource: TracingResource, warn: (message: string) => void): Promise<Tracing> {
  if (config === null) return noopTracing;
  const { createOtelTracing } = await import('./otel/otel-tracing.ts');
  return createOtelTracing({
    config,
    resource: { 'service.version': resource.serviceVersion, 'host.name': resource.hostName, 'service.instance.id': resource.instanceId },
    warn,
  });
}
