// GET /api/projects/:name/environments/:env/render?release=N: the Kubernetes manifests of a
// release with the current step's weights (src/render), on any server (viewer).
import type { FastifyInstance } from 'fastify';
import { need, seesEnvironment } from '../auth/permission.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { RenderSources } from '../render/render-release.ts';
import { parseGatewayRef, type GatewayRef } from '../router/gateway/httproute-manifest.ts';
import { environmentParams, errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export type RenderApiDeps = Omit<RenderSources, 'gateway'> & {
  /** The server's --gateway; absent: sluice-system/sluice. */
  gateway?: GatewayRef;
  assertProject(name: string): Promise<unknown>;
};

const defaultGateway: GatewayRef = { namespace: 'sluice-system', name: 'sluice' };

export function registerRenderRoute(app: FastifyInstance, deps: RenderApiDeps): void {
  const deploySchemas = lazySchemas(() => import('./schemas/deploy-schemas.ts'));
  app.get<{ Params: { name: string; env: string }; Querystring: { release?: string; gateway?: string } }>(
    '/api/projects/:name/environments/:env/render',
    { schema: { summary: 'The Kubernetes manifests of a release (Deployments, Services, HTTPRoutes with the current weights)', params: environmentParams, querystring: deploySchemas.renderQuerySchema, response: { 200: deploySchemas.renderSchema, ...errorResponses } }, config: { permission: need.viewer } },
    async (req) => {
      await deps.assertProject(req.params.name);
      if (!seesEnvironment(req.principal, req.params.env)) throw new NotFoundError('environment', `${req.params.name}/${req.params.env}`);
      let gateway = deps.gateway ?? defaultGateway;
      if (req.query.gateway !== undefined) {
        const ref = parseGatewayRef(req.query.gateway);
        if (!ref) throw new InvalidInputError(`gateway must be NAMESPACE/NAME (DNS labels), not ${req.query.gateway}`);
        gateway = ref;
      }
      const release = req.query.release === undefined ? undefined : Number(req.query.release);
      // Loaded on the first render: the manifest builders and the YAML writer stay out of an idle server.
      const { renderRelease } = await import('../render/render-release.ts');
      return renderRelease({ ...deps, gateway }, req.params.name, req.params.env, release);
    },
  );
}
