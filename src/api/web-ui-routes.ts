// The dashboard, served on the API's port to everyone (its data comes from the API, which asks
// for a session or a token). Files are streamed from dist/web/ (built by Vite; nothing of Vite
// is loaded here): hashed assets are cached for a year, index.html is never cached, and every
// other GET outside the API, webhooks, health and metrics answers index.html, so each view of
// the dashboard has a URL that can be shared and reloaded.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { need } from '../auth/permission.ts';
import { apiErrorSchema } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

const types: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
/** A hashed asset's name (Vite's [name]-[hash].[ext]): no path, no dots but the extension's. */
const assetName = /^[A-Za-z0-9_-]+\.(js|css|svg|png|woff2|json)$/;
/** Paths that are never the dashboard's, answered 404 by the API when no route has them. */
const notUi = /^\/(api|hooks|ofrep)(\/|$)|^\/(healthz|metrics)$/;
// The page loads only its own scripts and styles and talks only to its own origin; no framing.
const pageHeaders = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

function sendFile(reply: FastifyReply, file: string, type: string, cacheControl: string, gzip: boolean): FastifyReply {
  const stream = fs.createReadStream(gzip ? `${file}.gz` : file);
  void reply.header('content-type', type).header('cache-control', cacheControl).headers(pageHeaders);
  if (gzip) void reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
  return reply.send(stream);
}

function acceptsGzip(req: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/** Registers the dashboard's routes; `root` is dist/web (without its index.html: a note saying how to build it). */
export function registerWebUiRoutes(app: FastifyInstance, root: string): void {
  const sessionSchemas = lazySchemas(() => import('./schemas/session-schemas.ts'));
  const index = path.join(root, 'index.html');
  const built = fs.existsSync(index);
  // What each asset has beside it (name.gz, written by scripts/web-size.ts): read once, not per request.
  const gzipped = new Set<string>();
  if (built) for (const f of fs.readdirSync(path.join(root, 'assets'))) if (f.endsWith('.gz')) gzipped.add(f.slice(0, -3));

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { summary: "A built file of the dashboard (hashed name, cached a year)", params: sessionSchemas.assetParams, response: { 200: { description: 'the file', content: { 'application/javascript': { schema: sessionSchemas.assetSchema }, 'text/css': { schema: sessionSchemas.assetSchema } } }, 404: { description: 'no such file', content: { 'application/json': { schema: apiErrorSchema } } } } }, config: { permission: need.public } }, async (req, reply) => {
    const name = req.params.name;
    const ext = assetName.exec(name)?.[1];
    const file = built && ext !== undefined ? path.join(root, 'assets', name) : null;
    if (file === null || !fs.existsSync(file)) return reply.code(404).header('cache-control', 'no-store').send({ code: 'not_found', message: `no dashboard asset ${name}` });
    return sendFile(reply, file, types[`.${ext}`]!, 'public, max-age=31536000, immutable', gzipped.has(name) && acceptsGzip(req));
  });

  app.get('/*', { schema: { summary: 'The dashboard: every other path answers its page, so that each view has a URL', response: { 200: { description: 'the page', content: { 'text/html': { schema: sessionSchemas.htmlPageSchema } } }, 503: { description: 'the dashboard is not built (npm run build)', content: { 'text/plain': { schema: sessionSchemas.htmlPageSchema } } } } }, config: { permission: need.public } }, async (req, reply) => {
    const pathname = req.url.split('?')[0] ?? '/';
    if (notUi.test(pathname)) return reply.callNotFound();
    if (!built) {
      return reply.code(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send('The dashboard is not built: run `npm run build` (it writes dist/web/).\n');
    }
    return sendFile(reply, index, 'text/html; charset=utf-8', 'no-cache', false);
  });
}
