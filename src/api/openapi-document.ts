// The OpenAPI 3.1 description of the API, made from the routes' zod schemas (src/api/schemas/)
// with zod's own JSON Schema output (docs/decisions/0043). Schemas with a `.meta({id})` become
// components under that name. Loaded on the first GET /api/openapi.json only.
import { z } from 'zod';
import type { Permission } from '../auth/permission.ts';
import { LazySchema } from './lazy-schemas.ts';

export interface DocumentedRoute {
  method: string;
  url: string;
  schema: RouteSchemas | undefined;
  permission: Permission | undefined;
}

/** A route as it was added: its schemas may still be handles (src/api/lazy-schemas.ts). */
export interface DeclaredRoute extends Omit<DocumentedRoute, 'schema'> {
  schema: unknown;
}

/** Loads every schema handle of a route's schemas, so that the document is made from zod schemas. */
async function loaded(value: unknown): Promise<unknown> {
  if (value instanceof LazySchema) return value.load();
  if (value === null || typeof value !== 'object' || value instanceof z.ZodType || Array.isArray(value)) return value;
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await loaded(v)] as const));
  return Object.fromEntries(entries);
}

/** The routes with their schemas loaded. */
export async function loadedRoutes(routes: readonly DeclaredRoute[]): Promise<DocumentedRoute[]> {
  return Promise.all(routes.map(async (route) => ({ ...route, schema: (await loaded(route.schema)) as RouteSchemas | undefined })));
}

type ResponseEntry = z.ZodType | { description?: string; content: Record<string, { schema: z.ZodType }> };

export interface RouteSchemas {
  summary?: string;
  description?: string;
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType | { content: Record<string, { schema: z.ZodType }> };
  response?: Record<string, ResponseEntry>;
}

type Json = Record<string, unknown>;

const statusWords: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted', '4XX': 'Refused (ApiError)', '5XX': 'Failed (ApiError)' };

/** The JSON Schema of one schema; its named parts go to `components` and are referred to there. */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  // Wrapped, so that a named schema at the root becomes a reference like any other.
  const out = z.toJSONSchema(z.object({ root: schema }), { target: 'draft-2020-12', io, unrepresentable: 'any' }) as unknown as { properties: { root: Json }; $defs?: Json };
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const copy: Json = {};
    for (const [k, v] of Object.entries(value)) copy[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : rewrite(v);
    return copy;
  };
  for (const [id, def] of Object.entries(out.$defs ?? {})) components[id] ??= rewrite(def);
  return rewrite(out.properties.root) as Json;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query', components: Json): Json[] {
  if (!schema) return [];
  const object = jsonSchemaOf(schema, 'input', components) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function contentOf(entry: ResponseEntry | NonNullable<RouteSchemas['body']>, io: 'input' | 'output', components: Json): Json {
  const byType = entry instanceof z.ZodType ? { 'application/json': { schema: entry } } : entry.content;
  return Object.fromEntries(Object.entries(byType).map(([type, { schema }]) => [type, { schema: jsonSchemaOf(schema, io, components) }]));
}

function operationOf(route: DocumentedRoute, path: string, components: Json): Json {
  const s = route.schema ?? {};
  const body = s.body;
  const bodySchema = body instanceof z.ZodType ? body : undefined;
  const responses: Json = {};
  for (const [code, entry] of Object.entries(s.response ?? {})) {
    const key = code.toUpperCase();
    const description = (entry instanceof z.ZodType ? undefined : entry.description) ?? statusWords[key] ?? 'Answer';
    responses[key] = { description, content: contentOf(entry, 'output', components) };
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'Answer' };
  const segments = path.split('/').filter(Boolean);
  const permission = route.permission;
  return {
    operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+([A-Za-z0-9])?/g, (_m: string, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    tags: [segments[0] === 'api' ? (segments[1] ?? 'api') : (segments[0] ?? 'server')],
    ...(s.summary ? { summary: s.summary } : {}),
    ...(s.description ? { description: s.description } : {}),
    parameters: [...parametersOf(s.params, 'path', components), ...parametersOf(s.querystring, 'query', components)],
    ...(body ? { requestBody: { required: bodySchema ? !bodySchema.safeParse({}).success : true, content: contentOf(body, 'input', components) } } : {}),
    responses,
    // Who may call it: a bearer token of at least the role (DESIGN.md, Trust); public routes need none.
    security: !permission || 'public' in permission ? [] : [{ bearerToken: [] }],
    ...(permission ? { 'x-sluice-permission': permission } : {}),
  };
}

/** The document for these routes (HEAD routes Fastify adds beside each GET are left out). */
export function openApiDocument(routes: readonly DocumentedRoute[], version: string): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
  for (const route of routes) {
    if (route.method === 'HEAD' && gets.has(route.url)) continue;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operationOf(route, path, components);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice API', version, description: 'The REST API of a Sluice server; the sluice CLI and the dashboard are its clients.' },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'an API token (sluice token create), or the admin token the server wrote to <data>/admin.token' } },
    },
  };
}
