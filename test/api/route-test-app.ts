// A Fastify app for one route group in-process (app.inject): zod schemas as in createApi, the
// principal a token would give, SluiceErrors answered with their status as error-status.ts maps them.
import Fastify, { type FastifyInstance } from 'fastify';
import { statusOfCode } from '../../src/api/error-status.ts';
import { jsonSerializerCompiler, zodValidatorCompiler } from '../../src/api/zod-compilers.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { SluiceError } from '../../src/errors.ts';

export const viewer: Principal = { name: 'viewer', role: 'viewer', projects: null, environments: null };

export async function routeTestApp(principal: Principal, register: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const a = Fastify();
  a.setValidatorCompiler(zodValidatorCompiler);
  a.setSerializerCompiler(jsonSerializerCompiler);
  a.decorateRequest('principal', null);
  a.addHook('onRequest', async (req) => {
    req.principal = principal;
  });
  a.setErrorHandler((error, _req, reply) => {
    if (error instanceof SluiceError) return reply.code(statusOfCode[error.code]).send({ code: error.code, message: error.message });
    return reply.code(500).send({ message: (error as Error).message });
  });
  register(a);
  await a.ready();
  return a;
}
