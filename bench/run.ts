/**
 * `npm run bench`: seeds a bench database, starts the built service and the bare baseline, and runs
 * every scenario against both with autocannon, alternating rounds so both see the same machine state.
 * Prints req/s, p50 and p99 (medians over rounds) and the service/baseline ratios; writes
 * bench/results/<timestamp>.json. BENCH_DURATION (s), BENCH_ROUNDS, BENCH_CONNECTIONS tune it. Its parts
 * (the services, a seeded company, one scenario's rounds) are exported for bench/report.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, Pool } from 'pg';
import { mintToken } from '../src/platform/auth/tokens';
import type { BenchContext, Scenario, Target } from './scenario';
import { SCENARIOS } from './scenarios';
import { DrainResult, measureDrain } from './drain';
import { EscalationResult, measureEscalationScan } from './escalation';
import { AgingResult, describeAging, measureAging } from './aging';
import { sampleCustomerIds, seedBenchData } from './seed';
import { BENCH_PRODUCTION_SECRETS, startProcess, stopProcess } from './service-process';
import type { Figure, ReportModule } from './figures';
import { describeStatements, measureStatements, StatementBenchResult } from './statements';
import { describeCustomerFiles, FilesResult, measureCustomerFiles } from './customer-files';
import { BankAccountsResult, describeBankAccounts, measureBankAccounts } from './bank-accounts';
import { describeSessions, measureSessions, SessionsResult } from './sessions';

const ROOT = join(__dirname, '..');
const DATABASE = process.env.BENCH_DATABASE ?? 'custops_bench';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DATABASE}`);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Latency is read at low concurrency, where queueing behind a saturated CPU does not hide it. */
const LATENCY_CONNECTIONS = Number(process.env.BENCH_LATENCY_CONNECTIONS ?? 2);
const SERVICE_PORT = 3900;
const BASELINE_PORT = 3901;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** Fixed, so the seeded data is reused from one run to the next. */
export const BENCH_COMPANY_ID = 'b0000000-0000-4000-8000-00000000be7c';
const ONLY = process.env.BENCH_ONLY;

interface Measurement {
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** How long and how hard each scenario is driven; `npm run bench` reads them from the environment. */
export interface HttpOptions {
  /** Seconds per round (and per warm-up). */
  duration: number;
  rounds: number;
  connections: number;
  latencyConnections: number;
}

export const HTTP_DEFAULTS: HttpOptions = {
  duration: DURATION,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  latencyConnections: LATENCY_CONNECTIONS,
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function measure(
  port: number,
  target: Target,
  connections: number,
  duration: number,
): Promise<Measurement> {
  const { path } = target;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${typeof path === 'string' ? path : path()}`,
    method: target.method,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
    connections,
    duration,
    ...(typeof path === 'function'
      ? { requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }] }
      : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export interface ScenarioSummary {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  low_load_p50_ms: number;
  low_load_p97_5_ms: number;
  errors: number;
}

export interface ScenarioResult {
  scenario: string;
  seed_target_p95_ms: number | null;
  goal_p95_ms: number | null;
  meets_goal: boolean | null;
  service: ScenarioSummary;
  baseline: ScenarioSummary;
  ratio: { rps: number; p99: number };
}

/** A warm-up, then `rounds` alternating rounds (service, baseline) saturated and at low load; medians. */
export async function runScenario(
  scenario: Scenario,
  context: BenchContext,
  options: HttpOptions = HTTP_DEFAULTS,
): Promise<ScenarioResult> {
  const [result] = await runScenarios([{ scenario, context }], options);
  return result;
}

/**
 * Several scenarios (or one scenario on several companies) measured together: every round runs each one's
 * service and baseline in turn, so all of them see the same machine state, as a service and its baseline do.
 */
export async function runScenarios(
  entries: Array<{ scenario: Scenario; context: BenchContext }>,
  options: HttpOptions = HTTP_DEFAULTS,
): Promise<ScenarioResult[]> {
  const { duration, connections, latencyConnections } = options;
  const measured = entries.map(({ scenario, context }) => ({
    scenario,
    service: scenario.service(context),
    baseline: scenario.baseline(context),
    runs: { service: [] as Measurement[], baseline: [] as Measurement[] },
    latency: { service: [] as Measurement[], baseline: [] as Measurement[] },
  }));
  for (const m of measured) {
    await measure(SERVICE_PORT, m.service, connections, duration); // warm-up
    await measure(BASELINE_PORT, m.baseline, connections, duration);
  }
  for (let round = 0; round < options.rounds; round += 1) {
    for (const m of measured) {
      m.runs.service.push(await measure(SERVICE_PORT, m.service, connections, duration));
      m.runs.baseline.push(await measure(BASELINE_PORT, m.baseline, connections, duration));
    }
    for (const m of measured) {
      m.latency.service.push(await measure(SERVICE_PORT, m.service, latencyConnections, duration));
      m.latency.baseline.push(await measure(BASELINE_PORT, m.baseline, latencyConnections, duration));
    }
  }
  const summarise = (saturated: Measurement[], low: Measurement[]): ScenarioSummary => ({
    rps: median(saturated.map((r) => r.rps)),
    p50_ms: median(saturated.map((r) => r.p50)),
    p99_ms: median(saturated.map((r) => r.p99)),
    low_load_p50_ms: median(low.map((r) => r.p50)),
    low_load_p97_5_ms: median(low.map((r) => r.p97_5)),
    errors: [...saturated, ...low].reduce((sum, r) => sum + r.errors + r.non2xx, 0),
  });
  return measured.map(({ scenario, runs, latency }) => {
    const s = summarise(runs.service, latency.service);
    const b = summarise(runs.baseline, latency.baseline);
    const goal = scenario.seedTargetP95Ms ? scenario.seedTargetP95Ms / 100 : null;
    return {
      scenario: scenario.name,
      seed_target_p95_ms: scenario.seedTargetP95Ms ?? null,
      goal_p95_ms: goal,
      meets_goal: goal === null ? null : s.low_load_p97_5_ms <= goal,
      service: s,
      baseline: b,
      ratio: { rps: s.rps / b.rps, p99: s.p99_ms / Math.max(b.p99_ms, 0.001) },
    };
  });
}

/** A scenario's figures for the report: saturated req/s, and p50 and p97.5 at low load (the seed's check). */
export function httpFigures(
  module: ReportModule,
  r: ScenarioResult,
  options: HttpOptions,
  volume: string,
  work: Figure['work'],
  scenario = r.scenario,
): Figure[] {
  const base = { module, scenario, volume, work };
  const errors = r.service.errors + r.baseline.errors;
  // No request completed within a round (a round shorter than one answer): a figure is missing, not zero.
  const missing = r.service.rps === 0 || r.baseline.rps === 0;
  const service = (v: number) => (r.service.rps === 0 ? Number.NaN : v);
  const baseline = (v: number) => (r.baseline.rps === 0 ? Number.NaN : v);
  const note = missing
    ? 'no request completed within a round: the figures are missing, not zero'
    : errors
      ? `${errors} requests failed or answered non-2xx: suspect`
      : undefined;
  const target =
    r.seed_target_p95_ms === null
      ? null
      : `seed p95 ${r.seed_target_p95_ms} ms / goal ${r.goal_p95_ms} ms (checked on p97.5)`;
  return [
    {
      ...base,
      measure: `req/s, ${options.connections} conn.`,
      service: service(r.service.rps),
      baseline: baseline(r.baseline.rps),
      rate: true,
      target: null,
      met: null,
      note,
    },
    {
      ...base,
      measure: `p50 ms, ${options.latencyConnections} conn.`,
      service: service(r.service.low_load_p50_ms),
      baseline: baseline(r.baseline.low_load_p50_ms),
      target: null,
      met: null,
      note,
    },
    {
      ...base,
      measure: `p97.5 ms, ${options.latencyConnections} conn.`,
      service: service(r.service.low_load_p97_5_ms),
      baseline: baseline(r.baseline.low_load_p97_5_ms),
      target,
      met: r.service.rps === 0 ? null : r.meets_goal,
      note,
    },
  ];
}

/** The bench service (an api, measured, and a worker beside it) and the bare baseline, on the bench database. */
export interface BenchServices {
  baseUrl: string;
  jwtSecret: string;
  databaseUrl: string;
  redisPrefix: string;
  pool: Pool;
  stop(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();

  const serviceEnv = {
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    PORT: String(SERVICE_PORT),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL,
    REDIS_PREFIX: `bench${Date.now()}`,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000000',
    ...BENCH_PRODUCTION_SECRETS,
  };
  // The production topology: an api process measured, and a worker process beside it draining the outbox.
  const workerProcess = await startProcess(
    [join(ROOT, 'dist', 'src', 'main.js')],
    { ...serviceEnv, APP_ROLE: 'worker', PORT: '0' },
    '"custops started"',
  );
  const serviceProcess = await startProcess(
    [join(ROOT, 'dist', 'src', 'main.js')],
    serviceEnv,
    '"custops started"',
  );
  const baselineProcess = await startProcess(
    ['-r', '@swc-node/register', join(__dirname, 'baseline-server.ts')],
    { DATABASE_URL, PORT: String(BASELINE_PORT) },
    'baseline-ready',
  );
  const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  return {
    baseUrl: `http://127.0.0.1:${SERVICE_PORT}`,
    jwtSecret: JWT_SECRET,
    databaseUrl: DATABASE_URL,
    redisPrefix: serviceEnv.REDIS_PREFIX,
    pool,
    async stop() {
      await Promise.all([serviceProcess, workerProcess, baselineProcess].map(stopProcess));
      await pool.end();
    },
  };
}

/** Seeds (or reuses) a bench company with `customers` customers and `tickets` tickets; its token and ids. */
export async function benchContext(
  services: BenchServices,
  companyId: string,
  customers?: number,
  tickets?: number,
): Promise<BenchContext> {
  await seedBenchData(services.pool, companyId, customers, tickets);
  const customerIds = await sampleCustomerIds(services.pool, companyId);
  const token = await mintToken(JWT_SECRET, { companyId, roles: ['admin'], ttlSeconds: 24 * 3600 });
  return { companyId, token, pool: services.pool, customerIds };
}

async function main(): Promise<void> {
  const services = await startBenchServices();
  const { pool } = services;
  const companyId = process.env.BENCH_COMPANY_ID ?? BENCH_COMPANY_ID;
  const context = await benchContext(services, companyId);
  const token = context.token;

  const results = [];
  let drain: DrainResult | undefined;
  let aging: AgingResult | undefined;
  try {
    for (const scenario of SCENARIOS.filter((s) => !ONLY || s.name.includes(ONLY))) {
      process.stderr.write(`bench: ${scenario.name}\n`);
      results.push(await runScenario(scenario, context));
    }
    if (!ONLY || 'notifications drain'.includes(ONLY)) {
      process.stderr.write('bench: notifications drain\n');
      drain = await measureDrain(
        `http://127.0.0.1:${SERVICE_PORT}`,
        token,
        pool,
        process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        services.redisPrefix,
      );
    }
    if (!ONLY || 'aging'.includes(ONLY)) {
      process.stderr.write('bench: aging\n');
      aging = await measureAging(`http://127.0.0.1:${SERVICE_PORT}`, JWT_SECRET, DATABASE_URL, pool);
    }
  } finally {
    await services.stop();
  }
  // Measured with the service stopped: the scan is a batch job, and nothing else should share the CPU.
  let escalation: EscalationResult | undefined;
  if (!ONLY || 'escalation scan'.includes(ONLY)) {
    process.stderr.write('bench: escalation scan\n');
    escalation = await measureEscalationScan(DATABASE_URL, ROUNDS);
  }
  // Also with the service stopped: the statement is worker work, timed in this process.
  let statements: StatementBenchResult | undefined;
  if (!ONLY || 'statements'.includes(ONLY)) {
    process.stderr.write('bench: statements\n');
    statements = await measureStatements(DATABASE_URL);
  }
  // Imports and exports start their own api and worker, on a database of their own.
  let files: FilesResult | undefined;
  if (!ONLY || 'files'.includes(ONLY)) {
    process.stderr.write('bench: customer imports and exports\n');
    files = await measureCustomerFiles();
  }
  // Bank-account setups start their own api, worker and gateway simulator, on a database of their own.
  let bank: BankAccountsResult | undefined;
  if (!ONLY || 'bank accounts'.includes(ONLY)) {
    process.stderr.write('bench: bank-account setups\n');
    bank = await measureBankAccounts();
  }
  // WiFi sessions start their own api and worker, on a database of their own.
  let sessions: SessionsResult | undefined;
  if (!ONLY || 'sessions'.includes(ONLY)) {
    process.stderr.write('bench: wifi sessions (authorize, usage)\n');
    sessions = await measureSessions();
  }

  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  console.log(
    `\nSaturated: ${CONNECTIONS} connections; low load: ${LATENCY_CONNECTIONS}; ${DURATION}s x ${ROUNDS} rounds, medians\n` +
      '| scenario | service req/s | p50 / p99 ms | baseline req/s | p50 / p99 ms | req/s ratio | low-load p97.5 ms service / baseline | seed p95 / 100 |\n' +
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    const goal = r.goal_p95_ms === null ? '–' : `${fmt(r.goal_p95_ms)} ms ${r.meets_goal ? 'met' : 'MISSED'}`;
    console.log(
      `| ${r.scenario} | ${fmt(r.service.rps, 0)} | ${fmt(r.service.p50_ms)} / ${fmt(r.service.p99_ms)} | ` +
        `${fmt(r.baseline.rps, 0)} | ${fmt(r.baseline.p50_ms)} / ${fmt(r.baseline.p99_ms)} | ${fmt(r.ratio.rps, 2)} | ` +
        `${fmt(r.service.low_load_p97_5_ms)} / ${fmt(r.baseline.low_load_p97_5_ms)} | ${goal} |`,
    );
  }
  if (drain) {
    console.log(
      `\nNotifications drain: ${drain.notifications} in-app notifications queued through POST /v1/notifications, ` +
        `${fmt(drain.service_per_second, 0)}/s delivered; bare BullMQ job + insert baseline ${fmt(drain.baseline_per_second, 0)}/s; ` +
        `ratio ${fmt(drain.ratio, 2)}`,
    );
  }
  if (escalation) {
    console.log(
      `\nSLA/escalation scan over ${escalation.open_tickets} open tickets, ${escalation.due_per_round} breached and ` +
        `due for escalation: ${fmt(escalation.scan_ms, 0)} ms (breaches, escalations, history, SLA and outbox events); ` +
        `bare two-UPDATE baseline ${fmt(escalation.baseline_ms, 0)} ms; ratio ${fmt(escalation.ratio, 2)}; ` +
        `idle scan (nothing due) ${fmt(escalation.idle_scan_ms, 1)} ms`,
    );
  }
  if (aging) console.log(describeAging(aging));
  if (statements) console.log(describeStatements(statements));
  if (files) console.log(describeCustomerFiles(files));
  if (bank) console.log(describeBankAccounts(bank));
  if (sessions) console.log(describeSessions(sessions));
  const errors = results.reduce((sum, r) => sum + r.service.errors + r.baseline.errors, 0);
  if (errors > 0)
    console.log(`\n${errors} requests failed or answered non-2xx: the figures above are suspect`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        connections: CONNECTIONS,
        duration_s: DURATION,
        rounds: ROUNDS,
        results,
        drain,
        escalation,
        aging,
        statements,
        files,
        bank,
        sessions,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${file}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
