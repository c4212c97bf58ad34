// Every API request becomes a server span (when tracing is on; otherwise this hook is not even
// registered): method, route pattern, path and status as the HTTP semantic conventions name them,
// joining the caller's trace when it sends a W3C `traceparent` header.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Tracing } from '../engine/tracing.ts';

export function registerTracingHook(app: FastifyInstance, tracing: Tracing): void {
  app.addHook('onResponse', function traceRequest(req: FastifyRequest, reply: FastifyReply, done: () => void) {
    const finishedAt = new Date();
    const header = req.headers.traceparent;
    const query = req.url.indexOf('?');
    tracing.request({
      method: req.method,
      // The pattern, not the path: low cardinality for span names (absent when no route matched).
      route: req.routeOptions.url ?? null,
      path: query < 0 ? req.url : req.url.slice(0, query),
      status: reply.statusCode,
      startedAt: new Date(finishedAt.getTime() - reply.elapsedTime),
      finishedAt,
      traceparent: typeof header === 'string' ? header : null,
    });
    done();
  });
}
