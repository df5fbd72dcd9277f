import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../platform/config/app-config';
import { problem, PROBLEM_CONTENT_TYPE } from '../../platform/http/problem';

/**
 * The console page's Content-Security-Policy (issue 13's contract): its own scripts, styles and API only,
 * never framed, no inline code. Set on every /console reply; the API keeps helmet's defaults (CSP off).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A name carrying a content hash (esbuild's `[name]-[hash]`: 8+ capitals and digits, one digit at least). */
const HASHED_NAME = /[.-](?=[A-Z0-9]*\d)[A-Z0-9]{8,}\.[A-Za-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** index.html and anything without a hash in its name are revalidated on every load; hashed assets never. */
export function consoleCacheControl(path: string): string {
  return HASHED_NAME.test(basename(path)) ? IMMUTABLE : 'no-cache';
}

/**
 * Where the built console is: CONSOLE_DIR when set, else dist/console beside the compiled service (from
 * dist/src/modules/console that is dist/console; from src/modules/console under ts-node/swc, the
 * repository's dist/console, never the console/ source folder). Undefined when it holds no index.html.
 */
export function consoleDirectory(config: AppConfig): string | undefined {
  const base = resolve(__dirname, '..', '..', '..');
  const dir = config.CONSOLE_DIR
    ? resolve(config.CONSOLE_DIR)
    : basename(base) === 'dist'
      ? join(base, 'console')
      : join(base, 'dist', 'console');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

const isConsolePath = (url: string): boolean =>
  url === '/console' || url.startsWith('/console/') || url.startsWith('/console?');

/**
 * Serves the support console's single-page app at /console (and /console/ and its assets under
 * /console/…), outside /v1 and without authentication: the page holds no data, its API calls carry the
 * agent's token. When the console is not built, /console answers a 503 problem and the API runs as usual.
 */
export async function serveConsole(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isConsolePath(request.url)) void reply.header('content-security-policy', CONSOLE_CSP);
    done();
  });

  const dir = consoleDirectory(config);
  if (!dir) {
    const notBuilt = (request: FastifyRequest, reply: FastifyReply) =>
      reply
        .status(503)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(
          problem(
            503,
            'console-not-built',
            'The support console is not built: build it into dist/console (or set CONSOLE_DIR); see docs/console.md',
            request.url,
            { correlation_id: request.id },
          ),
        );
    fastify.get('/console', notBuilt);
    fastify.get('/console/*', notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    index: 'index.html',
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => void reply.header('cache-control', consoleCacheControl(path)),
  });
  fastify.get('/console', (_request, reply) => reply.sendFile('index.html'));
}
