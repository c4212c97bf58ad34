// Whether a Gateway took an HTTPRoute as it is now: its controller writes one status.parents[]
// entry per parent, with conditions Accepted and ResolvedRefs, each carrying the generation it
// saw (https://gateway-api.sigs.k8s.io/reference/spec/#routeparentstatus). Both True for the
// route's current generation means the new weights are in force — the Gateway counterpart of
// the edge router reading back its applied table.
import { z } from 'zod';
import type { Manifest } from '../../runtime/kubernetes/manifests/object-meta.ts';
import type { GatewayRef } from './httproute-manifest.ts';

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: z.number().optional(),
});

const statusSchema = z.object({
  parents: z
    .array(
      z.object({
        parentRef: z.object({ name: z.string(), namespace: z.string().optional(), kind: z.string().optional() }),
        conditions: z.array(conditionSchema).optional(),
      }),
    )
    .optional(),
});

export type RouteAcceptance = { state: 'accepted' } | { state: 'pending'; why: string } | { state: 'refused'; why: string };

export function acceptanceOf(route: Manifest & { metadata: { generation?: number } }, gateway: GatewayRef): RouteAcceptance {
  const status = statusSchema.safeParse(route.status ?? {});
  if (!status.success) return { state: 'pending', why: 'no status the Gateway API describes' };
  const parent = (status.data.parents ?? []).find(
    (p) => p.parentRef.name === gateway.name && (p.parentRef.namespace ?? route.metadata.namespace) === gateway.namespace && (p.parentRef.kind ?? 'Gateway') === 'Gateway',
  );
  if (!parent) return { state: 'pending', why: `no status from Gateway ${gateway.namespace}/${gateway.name} yet` };
  const generation = route.metadata.generation;
  for (const type of ['Accepted', 'ResolvedRefs']) {
    const c = parent.conditions?.find((x) => x.type === type);
    if (!c) return { state: 'pending', why: `no ${type} condition yet` };
    if (generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration < generation) {
      return { state: 'pending', why: `${type} is for generation ${c.observedGeneration}, the route is at ${generation}` };
    }
    if (c.status !== 'True') return { state: c.status === 'False' ? 'refused' : 'pending', why: `${type} ${c.status}: ${c.reason ?? ''} ${c.message ?? ''}`.trim() };
  }
  return { state: 'accepted' };
}
