import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_JWT_SECRET } from './app';
import { testEnv } from './env';
import { waitFor } from './wait';

const ROOT = join(__dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** Parsed JSON lines from stdout; non-JSON lines as { unparsed }. */
  lines: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<number | null>;
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
    what: string,
  ): Promise<Record<string, unknown>>;
}

/** The environment of a spawned service: the test Redis, its own key prefix, loopback, the test secret. */
export function serviceEnv(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: testEnv.redisUrl(),
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    ...overrides,
  };
}

/** Runs the service in its own process: the built `dist/src/main.js`, or the fixture entry point through swc. */
export function spawnService(kind: 'main' | 'fixture', env: Record<string, string>): ServiceProcess {
  const args =
    kind === 'main'
      ? [join(ROOT, 'dist', 'src', 'main.js')]
      : ['-r', '@swc-node/register', join(ROOT, 'test', 'support', 'fixture-main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ unparsed: line });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr,
    exited,
    waitForLine: (predicate, what) =>
      waitFor(() => lines.find(predicate), {
        what: `${what} (stderr: ${stderr.join('').slice(-500)})`,
        timeoutMs: 30_000,
      }),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private Redis server for tests that stop and restart it. By default it keeps nothing and comes back
 * empty; with `appendOnlyDir` it keeps an append-only file there, as production runs it (docker-compose:
 * `--appendonly yes`), so killed and started again on the same dir it still has the jobs it acknowledged.
 */
export async function startRedisServer(
  port: number,
  { appendOnlyDir }: { appendOnlyDir?: string } = {},
): Promise<ChildProcess> {
  const persistence = appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', appendOnlyDir]
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        return (await probe.ping().catch(() => undefined)) === 'PONG';
      },
      { what: `redis-server on ${port}` },
    );
  } finally {
    probe.disconnect();
  }
  return child;
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
