import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendAsset, sendFile } from './web-app.js';

/** The built dashboard (Vite, `npm run build`): dist/admin next to the compiled or source server. */
export function findAdminDir(): string | undefined {
  // From src/http (tsx), `../../admin` is the dashboard's source folder: only dist/admin is built.
  const compiled = fileURLToPath(new URL('../../admin', import.meta.url)); // dist/src/http
  const source = fileURLToPath(new URL('../../dist/admin', import.meta.url)); // src/http
  return [compiled, source].find(
    (dir) => dir.endsWith(join('dist', 'admin')) && existsSync(join(dir, 'index.html')),
  );
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>sinyal admin</title>
<p>The admin dashboard is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds first).</p>`;

/**
 * `/admin`: the operators' dashboard, a static single-page app. The page itself is public; every
 * figure it shows comes from the admin API, which asks for the admin credential.
 */
export function registerAdminApp(app: FastifyInstance): void {
  const root = findAdminDir();
  const page = async (_: FastifyRequest, reply: FastifyReply) => {
    if (!root) return reply.code(503).type('text/html; charset=utf-8').send(notBuilt);
    reply.header('x-frame-options', 'DENY');
    return sendFile(reply, join(root, 'index.html'));
  };
  // Pages and files, not API: kept out of the OpenAPI document.
  const hidden = { schema: { hide: true } };
  app.get('/admin', hidden, page);
  app.get('/admin/', hidden, page);
  app.get<{ Params: { '*': string } }>('/admin/assets/*', hidden, async (request, reply) =>
    sendAsset(reply, root, request.params['*']),
  );
}
