import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './processes';
import { waitFor } from './wait';

const run = promisify(execFile);

/** Where Debian puts the server binaries; PG_BIN overrides it on other machines. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ROOT_DIR = join(__dirname, '..', '..');

/**
 * A throwaway PostgreSQL cluster of its own (initdb in a temp dir, its own port and socket directory),
 * for tests that stop, restart or kill the database server. The machine's shared server on 5432 is never
 * touched: other test files run beside these.
 */
export interface PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  /** A URL on this cluster (database `postgres` unless named). */
  url(database?: string): string;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m <mode>` (fast: disconnect clients, clean shutdown), waiting until it is down. */
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Creates `database` and applies every migration to it with the built CLI (dist/src/cli.js). */
  migrate(database: string): Promise<string>;
  /** Runs one SQL statement on `database` through a short-lived connection. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    database: string,
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Stops the server (immediately) and deletes its files. */
  destroy(): Promise<void>;
}

/** initdb and pg_ctl refuse to run as root: run them as the `postgres` OS user when we are root. */
async function asPostgres(command: string, args: string[]): Promise<string> {
  const binary = join(PG_BIN, command);
  const [file, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const { stdout } = await run(file, argv, { timeout: 60_000 });
  return stdout;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'custops-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  // Settings live in the cluster's own file, so a restart keeps them. Durability is not under test.
  const settings = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 50',
    'shared_buffers = 32MB',
  ].join('\n');
  const conf = join(data, 'postgresql.auto.conf');
  await writeFile(conf, `${settings}\n`);
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(conf, uid, gid);
  }

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <R extends Record<string, unknown>>(
    database: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> => {
    const client = new Client({ connectionString: url(database), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  let running = false;

  const cluster: PrivatePostgres = {
    port,
    dir,
    url,
    query,
    start: async () => {
      await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      running = true;
      await waitFor(async () => (await query('postgres', 'SELECT 1 AS ok'))[0]?.ok === 1, {
        what: `private PostgreSQL on ${port}`,
        timeoutMs: 30_000,
      });
    },
    stop: async (mode = 'fast') => {
      await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    migrate: async (database) => {
      await query('postgres', `CREATE DATABASE ${database}`);
      await run(process.execPath, [join(ROOT_DIR, 'dist', 'src', 'cli.js'), 'migrate'], {
        cwd: ROOT_DIR,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url(database), NODE_ENV: 'test' },
        timeout: 120_000,
      });
      return url(database);
    },
    destroy: async () => {
      if (running) await cluster.stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
