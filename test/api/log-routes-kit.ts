// The log routes on a real loopback socket (SSE needs one) over a MemoryLogStore and a stand-in
// engine that knows one project ("app") and one run ("run-1").
import Fastify, { type FastifyInstance } from 'fastify';
import { NotFoundError, SluiceError } from '../../src/errors.ts';
import { statusOfCode } from '../../src/api/error-status.ts';
import { registerLogRoutes } from '../../src/api/log-routes.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { RunEndSignal } from '../../src/engine/run-end-signal.ts';
import { LogIngest } from '../../src/logs/log-ingest.ts';
import type { NewLogEntry } from '../../src/logs/log-store.ts';
import { MemoryLogStore } from '../logs/memory-log-store.ts';
import { jsonSerializerCompiler, zodValidatorCompiler } from '../../src/api/zod-compilers.ts';

export interface LogApiKit {
  url: string;
  store: MemoryLogStore;
  ingest: LogIngest;
  app: FastifyInstance;
  run: { state: string };
  close(): Promise<void>;
}

export function entry(text: string, over: Partial<NewLogEntry> = {}): NewLogEntry {
  return {
    at: new Date().toISOString(), source: 'instance', project: 'app', environment: 'production', release: 1, runId: null, stepId: null,
    service: 'web', instance: 'app.production.web.r1.0', stream: 'stdout', level: null, text, ...over,
  };
}

export async function startLogApi(opts: { heartbeatMs?: number; pollMs?: number; runEnds?: RunEndSignal } = {}): Promise<LogApiKit> {
  const store = new MemoryLogStore();
  const ingest = new LogIngest(store, { flushMs: 5 });
  const run = { state: 'running' };
  const engine = {
    project: async (name: string) => {
      if (name !== 'app') throw new NotFoundError('project', name);
      return {};
    },
    run: async (id: string) => {
      if (id !== 'run-1') throw new NotFoundError('run', id);
      return { run: { id, project: 'app', state: run.state, reason: null }, stages: [], steps: [] };
    },
  } as unknown as Engine;
  const app = Fastify();
  // Route schemas are zod, as in createApi.
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    req.principal = { name: 'test', role: 'admin', projects: null, environments: null };
  });
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof SluiceError) return reply.code(statusOfCode[error.code]).send({ code: error.code, message: error.message });
    return reply.code(500).send({ message: (error as Error).message });
  });
  registerLogRoutes(app, engine, { store, appends: ingest, heartbeatMs: opts.heartbeatMs ?? 15_000, pollMs: opts.pollMs ?? 1000, logError: () => {}, ...(opts.runEnds ? { runEnds: opts.runEnds } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url, store, ingest, app, run,
    async close() {
      await ingest.close();
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
