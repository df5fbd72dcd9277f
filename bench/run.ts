/**
 * `npm run bench`: seeds a bench database, starts the built service and the bare baseline, and runs
 * every scenario against both with autocannon, alternating rounds so both see the same machine state.
 * Prints req/s, p50 and p99 (medians over rounds) and the service/baseline ratios; writes
 * bench/results/<timestamp>.json. BENCH_DURATION (s), BENCH_ROUNDS, BENCH_CONNECTIONS tune it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, Pool } from 'pg';
import { mintToken } from '../src/platform/auth/tokens';
import type { BenchContext, Scenario, Target } from './scenario';
import { SCENARIOS } from './scenarios';
import { seedBenchData } from './seed';

const ROOT = join(__dirname, '..');
const DATABASE = process.env.BENCH_DATABASE ?? 'custops_bench';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DATABASE}`);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SERVICE_PORT = 3900;
const BASELINE_PORT = 3901;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function start(args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
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

async function measure(port: number, target: Target): Promise<Measurement> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${target.path}`,
    method: target.method,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function runScenario(scenario: Scenario, context: BenchContext) {
  const service: Measurement[] = [];
  const baseline: Measurement[] = [];
  await measure(SERVICE_PORT, scenario.service(context)); // warm-up
  await measure(BASELINE_PORT, scenario.baseline(context));
  for (let round = 0; round < ROUNDS; round += 1) {
    service.push(await measure(SERVICE_PORT, scenario.service(context)));
    baseline.push(await measure(BASELINE_PORT, scenario.baseline(context)));
  }
  const summarise = (runs: Measurement[]) => ({
    rps: median(runs.map((r) => r.rps)),
    p50_ms: median(runs.map((r) => r.p50)),
    p99_ms: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
  });
  const s = summarise(service);
  const b = summarise(baseline);
  return {
    scenario: scenario.name,
    seed_target_p95_ms: scenario.seedTargetP95Ms ?? null,
    service: s,
    baseline: b,
    ratio: {
      rps: s.rps / b.rps,
      p50: s.p50_ms / Math.max(b.p50_ms, 0.001),
      p99: s.p99_ms / Math.max(b.p99_ms, 0.001),
    },
  };
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();

  const serviceEnv = {
    NODE_ENV: 'production',
    APP_ROLE: 'all',
    PORT: String(SERVICE_PORT),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL,
    REDIS_PREFIX: `bench${Date.now()}`,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000000',
  };
  const serviceProcess = await start(
    [join(ROOT, 'dist', 'src', 'main.js')],
    serviceEnv,
    '"Nest application successfully started"',
  );
  const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  const companyId = process.env.BENCH_COMPANY_ID ?? randomUUID();
  await seedBenchData(pool, companyId);
  const baselineProcess = await start(
    ['-r', '@swc-node/register', join(__dirname, 'baseline-server.ts')],
    { DATABASE_URL, PORT: String(BASELINE_PORT) },
    'baseline-ready',
  );
  const token = await mintToken(JWT_SECRET, { companyId, roles: ['admin'], ttlSeconds: 24 * 3600 });
  const context: BenchContext = { companyId, token, pool };

  const results = [];
  try {
    for (const scenario of SCENARIOS) {
      process.stderr.write(`bench: ${scenario.name}\n`);
      results.push(await runScenario(scenario, context));
    }
  } finally {
    serviceProcess.kill('SIGTERM');
    baselineProcess.kill('SIGTERM');
    await pool.end();
  }

  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  console.log(
    `\n${CONNECTIONS} connections, ${DURATION}s x ${ROUNDS} rounds, medians\n` +
      '| scenario | service req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms | req/s ratio | p99 ratio | errors |\n' +
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${fmt(r.service.rps, 0)} | ${fmt(r.service.p50_ms)} | ${fmt(r.service.p99_ms)} | ` +
        `${fmt(r.baseline.rps, 0)} | ${fmt(r.baseline.p50_ms)} | ${fmt(r.baseline.p99_ms)} | ` +
        `${fmt(r.ratio.rps, 2)} | ${fmt(r.ratio.p99, 2)} | ${r.service.errors + r.baseline.errors} |`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ connections: CONNECTIONS, duration_s: DURATION, rounds: ROUNDS, results }, null, 2),
  );
  console.log(`\nwrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
