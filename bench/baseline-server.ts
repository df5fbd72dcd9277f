/**
 * The bare baseline: plain Fastify and a pg pool, no auth, validation, logging, metrics or tracing,
 * doing each scenario's SQL. Run as its own process so it competes for the CPU like the service does.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';
import { BASELINE_ROUTES } from './scenarios';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  const app = Fastify({ logger: false });
  for (const route of BASELINE_ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      handler: (request) =>
        route.handler(
          pool,
          request.params as Record<string, string>,
          request.body,
          request.query as Record<string, string>,
        ),
    });
  }
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write('baseline-ready\n');
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

void main();
