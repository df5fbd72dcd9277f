/**
 * `npm run stack:local`: two APIs and two workers of the built service against one PostgreSQL database
 * and one Redis, behind nginx as a round-robin load balancer, until Ctrl-C (or SIGTERM).
 *
 * Options (flags win over the environment):
 *   --port / STACK_PORT      the load balancer's port (8080; 0 picks a free one)
 *   --apis / STACK_APIS      API processes (2)
 *   --workers / STACK_WORKERS worker processes (2)
 *   --keep                   keep the temp directory (nginx.conf, access and error logs, each process's log)
 * Everything else (DATABASE_URL, REDIS_URL, REDIS_PREFIX, JWT_SECRET, PAYMENT_GATEWAY_URL, …) comes from
 * the environment or `.env`, exactly as for `npm start`, and is shared by every process.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startStack, Stack } from './stack';

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      apis: { type: 'string' },
      workers: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = process.env;
  // What the signal handlers see: the stack once it is up, and a stop asked for while it was starting.
  const state: { stack?: Stack; stopping?: Promise<void>; stopRequested?: number } = {};
  const shutdown = (exitCode: number): Promise<void> => {
    const stack = state.stack;
    if (!stack) {
      // Still starting: stop as soon as startStack has everything in hand (or has cleaned up itself).
      state.stopRequested ??= exitCode;
      return Promise.resolve();
    }
    state.stopping ??= (async () => {
      print('stack: stopping (load balancer, then APIs, then workers)…');
      const results = await stack.stop();
      for (const result of results)
        print(`stack: ${result.name} exited with ${result.signal ?? `code ${result.code}`}`);
      if (values.keep) print(`stack: logs kept in ${stack.dir}`);
      process.exit(exitCode);
    })();
    return state.stopping;
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  print('stack: migrating, then starting the APIs, workers and nginx…');
  const stack = await startStack({
    port: count('--port', values.port ?? env.STACK_PORT, 8080, 0),
    apis: count('--apis', values.apis ?? env.STACK_APIS, 2, 1),
    workers: count('--workers', values.workers ?? env.STACK_WORKERS, 2, 0),
    keepLines: false,
    removeDir: !values.keep,
    // Warnings and errors of every process, prefixed with its name; the full logs are in the temp dir.
    onLine: (name, line) => {
      if (line.level === 'warn' || line.level === 'error' || line.level === 'fatal' || 'unparsed' in line) {
        process.stderr.write(`[${name}] ${JSON.stringify(line)}\n`);
      }
    },
    onUnexpectedExit: (name, status) => {
      process.stderr.write(
        `stack: ${name} exited unexpectedly (${status.signal ?? `code ${status.code}`})\n`,
      );
      void shutdown(1);
    },
  });
  state.stack = stack;
  if (state.stopRequested !== undefined) return shutdown(state.stopRequested);
  const companyId = '6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10';
  for (const p of stack.processes) {
    const where = p.role === 'nginx' ? '' : ` (pid ${p.child.pid}, metrics :${p.metricsPort})`;
    print(`stack: ${p.name} up${p.role === 'api' ? ` on :${p.port}` : ''}${where}`);
  }
  print('');
  print(`custops is up behind nginx at ${stack.url}  (round-robin over ${stack.apis.length} APIs)`);
  print(`  logs and nginx.conf: ${stack.dir}`);
  print(`  a token:  TOKEN=$(npm run -s token -- --company ${companyId} --role admin)`);
  print(`  then:     curl -H "authorization: Bearer $TOKEN" ${stack.url}/v1/me`);
  print('  Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
