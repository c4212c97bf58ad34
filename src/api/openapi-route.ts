// GET /api/openapi.json: the API described from the routes' own schemas. The routes are collected
// as they are added (an onRoute hook, so install this before them); the document is built on the
// first request only, so a server nobody asks for it never loads the builder (idle memory, 0043).
// A viewer token, like every API call but webhooks, health and flag evaluation (DESIGN.md, Trust).
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { packageVersion } from '../config/package-version.ts';
import type { DeclaredRoute } from './openapi-document.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export function registerOpenApiRoute(app: FastifyInstance): void {
  const serverSchemas = lazySchemas(() => import('./schemas/server-schemas.ts'));
  const routes: DeclaredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema, permission: route.config?.permission });
  });
  let document: Promise<string> | undefined;
  const build = async (): Promise<string> => {
    const { loadedRoutes, openApiDocument } = await import('./openapi-document.ts');
    return JSON.stringify(openApiDocument(await loadedRoutes(routes), packageVersion()));
  };
  app.get('/api/openapi.json', { config: { permission: need.viewer }, schema: { summary: 'This document (OpenAPI 3.1)', response: { 200: serverSchemas.openApiSchema, ...errorResponses } } }, async (_req, reply) => {
    document ??= build().catch((error: unknown) => {
      document = undefined;
      throw error;
    });
    return reply.type('application/json; charset=utf-8').send(await document);
  });
}

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    description?: string;
  }
}
