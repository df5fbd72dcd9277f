import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..');

/** Spawns `node <args>` and resolves once its stdout prints `ready`. */
export function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/**
 * Starts the built service (`dist/src/main.js`) in one role, as production runs it, and resolves once it
 * logged "custops started" (so LOG_LEVEL must be info or lower).
 */
export function startServiceProcess(
  role: 'api' | 'worker',
  env: Record<string, string>,
  port: number,
  nodeOptions = '',
): Promise<ChildProcess> {
  return startProcess(
    [join(ROOT, 'dist', 'src', 'main.js')],
    { ...env, APP_ROLE: role, PORT: role === 'api' ? String(port) : '0', NODE_OPTIONS: nodeOptions },
    '"custops started"',
  );
}

/** Drops and recreates a bench database (the service migrates it on boot). */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return adminUrl.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * Secrets the service refuses to run in production without (its development defaults are refused):
 * bench values, never used anywhere else.
 */
export const BENCH_PRODUCTION_SECRETS = {
  PAYMENT_GATEWAY_SECRET: 'bench-gateway-secret-0000',
  BANK_ACCOUNT_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
} as const;

/** Sends SIGTERM and resolves once the process exited (SIGKILL after `graceMs`). */
export function stopProcess(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
