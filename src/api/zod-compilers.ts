// Route schemas are zod schemas (src/api/schemas/). Requests are checked against them; a refusal is
// an InvalidInputError, so it reaches clients through the one error mapping (create-api.ts,
// error-status.ts) with a message naming the field, as the handlers' own checks always did.
// The request keeps what it sent (no defaults filled, no fields stripped): handlers read it as before.
// Answers are serialized with JSON.stringify, never through the schema, so no field is ever
// dropped; test/api/openapi-responses.test.ts checks that answers match their schemas.
import type { FastifySchemaCompiler, FastifySerializerCompiler, SafePromiseLike } from 'fastify';
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { LazySchema, type RouteSchema } from './lazy-schemas.ts';

/** The message of a refusal: the schema's own (`x-refusal`), else its first issue's, naming the field. */
export function refusalOf(schema: z.ZodType, error: z.ZodError, part: string): string {
  const own = z.globalRegistry.get(schema)?.['x-refusal'];
  if (typeof own === 'string') return own;
  const issue = error.issues[0];
  if (!issue) return `the ${part} is not valid`;
  if (issue.path.length === 0) return issue.code === 'invalid_type' ? `the ${part} must be a JSON object` : `${part}: ${issue.message}`;
  const key = String(issue.path[issue.path.length - 1]);
  // The schemas' own messages name their field ("name is required"); zod's generic ones do not.
  return issue.message.includes(key) ? issue.message : `${part} ${issue.path.join('.')}: ${issue.message}`;
}

export const zodValidatorCompiler: FastifySchemaCompiler<RouteSchema> = ({ schema, httpPart }) => {
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'request');
  const check = (zod: z.ZodType, data: unknown): { error?: InvalidInputError } => {
    // A bodyless POST reaches handlers as "no fields" (they always read it so).
    const input = part === 'body' && (data === null || data === undefined) ? {} : data;
    const result = zod.safeParse(input);
    return result.success ? {} : { error: new InvalidInputError(refusalOf(zod, result.error, part)) };
  };
  return (data: unknown) => {
    const ready = schema instanceof LazySchema ? schema.loaded : schema;
    if (ready) return check(ready, data);
    // The route's first request imports its schema (src/api/lazy-schemas.ts). Fastify takes a
    // promise as an asynchronous validator: it resolves to pass, and a rejection is the refusal,
    // which reaches the error mapping as the synchronous one does.
    const pending = (schema as LazySchema).load().then(
      (zod) => {
        const { error } = check(zod, data);
        if (error) throw error;
        return true;
      },
      (error: unknown) => {
        // Not the request's fault: a 500, not a refusal.
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), { statusCode: 500 });
      },
    );
    // Fastify's type for the promise it awaits (a brand for its linting).
    return pending as unknown as SafePromiseLike<boolean>;
  };
};

export const jsonSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/**
 * Stand-ins for Fastify's default compiler factories, given at construction so that Fastify never
 * loads Ajv and fast-json-stringify (about 0.5 MB of code an idle server would hold for nothing;
 * docs/decisions/0051-lean-bundle.md). setValidatorCompiler/setSerializerCompiler replace them
 * before any route is compiled, so they are never called.
 */
export const noDefaultCompilers = {
  buildValidator: () => (): never => {
    throw new Error('no validator compiler was set');
  },
  buildSerializer: () => (): never => {
    throw new Error('no serializer compiler was set');
  },
};
