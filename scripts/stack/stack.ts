import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_LOG, AccessLogLine, ERROR_LOG, parseAccessLog, renderNginxConfig } from './nginx';
import {
  accepts,
  ExitStatus,
  freePort,
  LogLine,
  ManagedProcess,
  poll,
  spawnManaged,
  stopManaged,
} from './processes';

export type { AccessLogLine } from './nginx';
export type { ExitStatus, LogLine, ManagedProcess } from './processes';

const ROOT = join(__dirname, '..', '..');

export interface StackOptions {
  /** API processes behind the load balancer (2). */
  apis?: number;
  /** Worker processes (2). */
  workers?: number;
  /** The load balancer's port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Environment of every process, over the launcher's own (`inheritEnv`). DATABASE_URL, REDIS_URL,
   * REDIS_PREFIX, JWT_SECRET, STORAGE_DIR and the rest go here; all processes share them.
   */
  env?: Record<string, string>;
  /** Extra environment for the API processes only, or the workers only. */
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Start from the launcher's process.env (true, the CLI) or from PATH alone (tests). */
  inheritEnv?: boolean;
  /** nginx binary (/usr/sbin/nginx). */
  nginx?: string;
  /** Run `node dist/src/cli.js migrate` once before starting (true). */
  migrate?: boolean;
  /** Keep every process's parsed log lines in memory (true; the CLI turns it off). */
  keepLines?: boolean;
  /** Each process's log lines as they arrive. */
  onLine?: (process: string, line: LogLine) => void;
  /** Called when a process exits while the stack is up (not during stop()). */
  onUnexpectedExit?: (process: string, status: ExitStatus) => void;
  /** How long each process may take to start (60 s). */
  startTimeoutMs?: number;
  /** How long stop() waits for each process after SIGTERM before SIGKILL (30 s). */
  stopTimeoutMs?: number;
  /** Remove the temp directory (nginx config and logs, process logs) on stop (true). */
  removeDir?: boolean;
}

export interface StackProcess extends ManagedProcess {
  role: 'api' | 'worker' | 'nginx';
  /** The HTTP port (APIs) or the load balancer's port (nginx); null for workers. */
  port: number | null;
  /** The Prometheus port (APIs and workers); null for nginx. */
  metricsPort: number | null;
}

export interface Stack {
  /** The load balancer: the one URL clients use. */
  url: string;
  /** The temp directory with nginx.conf, nginx's logs and each process's raw output (`<name>.log`). */
  dir: string;
  apis: StackProcess[];
  workers: StackProcess[];
  nginx: StackProcess;
  /** Every process, in start order. */
  processes: StackProcess[];
  /** The environment every process got (with the per-role additions left out). */
  env: Record<string, string>;
  /** nginx's access log so far, parsed. */
  accessLog(): AccessLogLine[];
  /** SIGTERM to nginx, then the APIs, then the workers; waits for each; SIGKILL after stopTimeoutMs. */
  stop(): Promise<Array<{ name: string } & ExitStatus>>;
}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/custops';

/**
 * Starts the multi-instance stack against one PostgreSQL database and one Redis: migrations once, then
 * `apis` API processes and `workers` worker processes (the built dist/src/main.js), then nginx in front of
 * the APIs. Resolves when every process is up; on any failure stops what it started and rejects.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const apiCount = options.apis ?? 2;
  const workerCount = options.workers ?? 2;
  const keepLines = options.keepLines ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const nginxBinary = options.nginx ?? '/usr/sbin/nginx';
  const main = join(ROOT, 'dist', 'src', 'main.js');
  const cli = join(ROOT, 'dist', 'src', 'cli.js');
  if (!existsSync(main) || !existsSync(cli))
    throw new Error(`${main} is missing: run \`npm run build\` first`);
  if (!existsSync(nginxBinary)) throw new Error(`${nginxBinary} is missing: apt-get install -y nginx`);

  const dir = mkdtempSync(join(tmpdir(), 'custops-stack-'));
  // nginx's workers run as nobody when the master is root: they must reach tmp/ for request bodies.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'));

  const base: Record<string, string> =
    options.inheritEnv === false
      ? { PATH: process.env.PATH ?? '/usr/bin:/bin' }
      : Object.fromEntries(
          Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
        );
  const lbPort = options.port || (await freePort());
  const url = `http://127.0.0.1:${lbPort}`;
  const env: Record<string, string> = {
    ...base,
    DATABASE_URL: base.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    // The gateway calls back through the load balancer, like a real deployment's public URL.
    PAYMENT_CALLBACK_BASE_URL: url,
    ...options.env,
    // Migrations ran once, here; N processes must not race to create the database or migrate it.
    DATABASE_AUTO_CREATE: 'false',
    MIGRATIONS_RUN: 'false',
  };
  for (const level of [env.LOG_LEVEL, options.apiEnv?.LOG_LEVEL, options.workerEnv?.LOG_LEVEL]) {
    if (level && ['warn', 'error', 'fatal', 'silent'].includes(level)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`LOG_LEVEL=${level}: the launcher needs info or finer to see each process start`);
    }
  }

  const processes: StackProcess[] = [];
  let stopping = false;
  const stopAll = async (): Promise<Array<{ name: string } & ExitStatus>> => {
    stopping = true;
    const results: Array<{ name: string } & ExitStatus> = [];
    // The load balancer first (no new requests), then the APIs drain, then the workers finish their jobs.
    for (const role of ['nginx', 'api', 'worker'] as const) {
      const group = processes.filter((p) => p.role === role);
      const statuses = await Promise.all(group.map((p) => stopManaged(p, 'SIGTERM', stopTimeoutMs)));
      group.forEach((p, index) => results.push({ name: p.name, ...statuses[index] }));
    }
    if (options.removeDir ?? true) rmSync(dir, { recursive: true, force: true });
    return results;
  };
  const launch = (
    name: string,
    role: StackProcess['role'],
    command: string,
    args: string[],
    processEnv: Record<string, string>,
    ports: { port: number | null; metricsPort: number | null },
    onLine?: (line: LogLine) => void,
  ): StackProcess => {
    const managed = spawnManaged({
      name,
      command,
      args,
      env: processEnv,
      cwd: ROOT,
      keepLines,
      logFile: join(dir, `${name}.log`),
      onLine: (line) => {
        onLine?.(line);
        options.onLine?.(name, line);
      },
    });
    const stackProcess: StackProcess = Object.assign(managed, { role, ...ports });
    processes.push(stackProcess);
    void managed.exited.then((status) => {
      if (!stopping) options.onUnexpectedExit?.(name, status);
    });
    return stackProcess;
  };

  try {
    if (options.migrate ?? true) await migrate(cli, env, startTimeoutMs);

    const started: Array<{ process: StackProcess; seen: () => boolean }> = [];
    const startService = async (role: 'api' | 'worker', index: number): Promise<StackProcess> => {
      const port = role === 'api' ? await freePort() : null;
      const metricsPort = await freePort();
      const processEnv = {
        ...env,
        ...(role === 'api' ? options.apiEnv : options.workerEnv),
        APP_ROLE: role,
        METRICS_PORT: String(metricsPort),
        // Workers serve no HTTP; PORT is only read by the API role.
        PORT: String(port ?? 0),
        // The APIs listen on loopback only (clients come through nginx), and take the client's address from
        // the X-Forwarded-For nginx sets, trusted from loopback alone.
        ...(role === 'api' ? { HOST: '127.0.0.1', TRUST_PROXY: env.TRUST_PROXY ?? '127.0.0.1' } : {}),
      };
      // Readiness from the process's own "custops started" line (operation app.start), so the launcher
      // sends no request of its own to the APIs.
      let ready = false;
      const child = launch(
        `${role}-${index}`,
        role,
        process.execPath,
        [main],
        processEnv,
        { port, metricsPort },
        (line) => {
          if (line.operation === 'app.start') ready = true;
        },
      );
      started.push({ process: child, seen: () => ready });
      return child;
    };
    const apis: StackProcess[] = [];
    const workers: StackProcess[] = [];
    for (let i = 1; i <= apiCount; i++) apis.push(await startService('api', i));
    for (let i = 1; i <= workerCount; i++) workers.push(await startService('worker', i));
    await Promise.all(
      started.map(({ process: p, seen }) =>
        poll(seen, `${p.name} to start`, startTimeoutMs, () => exitedReason(p)),
      ),
    );

    const nginxConf = join(dir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      renderNginxConfig({ dir, port: lbPort, upstreamPorts: apis.map((api) => api.port!) }),
    );
    const nginx = launch(
      'nginx',
      'nginx',
      nginxBinary,
      ['-p', dir, '-e', join(dir, ERROR_LOG), '-c', nginxConf, '-g', 'daemon off;'],
      { PATH: env.PATH ?? '/usr/sbin:/usr/bin:/bin' },
      { port: lbPort, metricsPort: null },
    );
    await poll(
      () => accepts(lbPort),
      `nginx on ${lbPort}`,
      startTimeoutMs,
      () => exitedReason(nginx),
    );

    return {
      url,
      dir,
      apis,
      workers,
      nginx,
      processes,
      env,
      accessLog: () => {
        const path = join(dir, ACCESS_LOG);
        return existsSync(path) ? parseAccessLog(readFileSync(path, 'utf8')) : [];
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** Applies pending migrations (creating the database if needed) with the service's own CLI. */
function migrate(cli: string, env: Record<string, string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'migrate'],
      { cwd: ROOT, env: { ...env, DATABASE_AUTO_CREATE: 'true' }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`migrate failed: ${error.message}\n${stderr}${stdout}`.trim()));
        else resolve();
      },
    );
  });
}

function exitedReason(managed: ManagedProcess): string | undefined {
  const status = managed.exitStatus();
  if (!status) return undefined;
  return `${managed.name} exited (code ${status.code}, signal ${status.signal}): ${managed.stderrTail().slice(-1500)}`;
}
