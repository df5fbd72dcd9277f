/**
 * Paid WiFi sessions (issue 10): the access controller's two hot paths, on a database of their own
 * (custops_bench_sessions, recreated each run) with BENCH_SESSIONS (50,000) active sessions written by
 * one `INSERT … SELECT generate_series`. The service runs as in production: an api process (measured) and
 * a worker process beside it, `NODE_ENV=production`, logs at info.
 *
 * A. `GET /v1/sessions/:id/authorize` (X-Device-Key) at BENCH_AUTHZ_RATE (1,000 req/s) for 20 s a run,
 *    each run after a 5 s warm-up of its own (and a 15 s one after the start, for the JIT):
 *    - hot: BENCH_HOT_IDS (20) sessions in turn, each asked about 50 times a second: the cache answers
 *      all but one request per session per 5 s (its TTL);
 *    - warm: BENCH_WARM_IDS (2,000) sessions in turn, each asked about every 2 s: with the 5 s TTL about
 *      a third of the requests still miss;
 *    - cold: every request a session not asked about for longer than the TTL (a cache miss: one
 *      primary-key read and a Redis SET NX);
 *    - baseline: a bare node:http server answering each request with one ioredis GET of the same small
 *      JSON value (the cached terms) and the same decision, over the warm ids.
 *    Each under two load shapes: autocannon `overallRate`, which gives each of BENCH_AUTHZ_CONNECTIONS
 *    (10) connections a quota per second that it sends back to back from the start of the second (bursts
 *    of 10 concurrent requests), and an open loop sending one request every 1/rate s whatever the
 *    answers, its latency counted from the scheduled send time. Latencies are each response's own time
 *    (sub-millisecond; not autocannon's 1 ms histogram, nor its coordinated-omission correction). Beside
 *    them: the Redis SETs during the run (cache misses), the measured server's CPU time per request and
 *    how busy the machine was.
 * B. `POST /v1/sessions/usage` with batches of BENCH_USAGE_BATCH (500) reports, each session's sequence
 *    one higher and its cumulative counters larger every round, over BENCH_USAGE_CONNECTIONS (4)
 *    connections:
 *    - sustained: BENCH_USAGE_RATE (10,000) reports/s (autocannon, 20 batches/s) for 30 s; the `applied`
 *      counts answered must equal the reports sent;
 *    - ceiling: unthrottled for 20 s;
 *    - baseline: the same batches, same concurrency, unthrottled for 20 s, applied straight through pg
 *      (one `UPDATE wifi_sessions … FROM unnest(…)` per batch with the same sequence and counter guard;
 *      no HTTP, validation, per-report outcomes, hourly rollup or transaction around them).
 *
 * BENCH_SECONDS sets every run's duration (a smoke run: `BENCH_SECONDS=3 BENCH_SESSIONS=5000`);
 * BENCH_SESSIONS_PART=authorize|usage runs one half. Diagnostics: BENCH_CPU_PROF=<dir> writes a CPU
 * profile of the api there, BENCH_API_LOG=<file> keeps its log, BENCH_API_NODE_OPTIONS adds node options.
 *
 * Run: `npm run bench:sessions` (builds first), or `npm run bench` with BENCH_ONLY=sessions. Standalone,
 * it writes bench/results/sessions-<timestamp>.json.
 */
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { mintToken } from '../src/platform/auth/tokens';
import {
  BENCH_PRODUCTION_SECRETS,
  freshDatabase,
  startProcess,
  startServiceProcess,
} from './service-process';
import { count, type Figure } from './figures';
import { quantile } from './stats';

const ROOT = join(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PORT = Number(process.env.BENCH_SESSIONS_PORT ?? 3920);
const BASELINE_PORT = PORT + 1;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50_000);
const SECONDS = process.env.BENCH_SECONDS ? Number(process.env.BENCH_SECONDS) : undefined;
const AUTHZ_RATE = Number(process.env.BENCH_AUTHZ_RATE ?? 1000);
const AUTHZ_CONNECTIONS = Number(process.env.BENCH_AUTHZ_CONNECTIONS ?? 10);
const HOT_IDS = Number(process.env.BENCH_HOT_IDS ?? 20);
const WARM_IDS = Number(process.env.BENCH_WARM_IDS ?? 2000);
const WARMUP_SECONDS = 5;
const BATCH = Number(process.env.BENCH_USAGE_BATCH ?? 500);
const USAGE_RATE = Number(process.env.BENCH_USAGE_RATE ?? 10_000);
const USAGE_CONNECTIONS = Number(process.env.BENCH_USAGE_CONNECTIONS ?? 4);
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
const API_NODE_OPTIONS = process.env.BENCH_API_NODE_OPTIONS ?? '';
const API_LOG = process.env.BENCH_API_LOG;
const PART = process.env.BENCH_SESSIONS_PART as 'authorize' | 'usage' | undefined;
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-000000';
/** The goals. */
const GOAL_AUTHZ_P99_MS = 5;
const GOAL_REPORTS_PER_S = 10_000;

/** The cache keeps a session's terms this long (s): a set of ids asked about again within it hits. */
const CACHE_TTL_S = 5;

/** What a run seeds and how long it drives each part; `npm run bench:sessions` reads them from the environment. */
export interface SessionsSettings {
  sessions: number;
  /** Every run's duration (warm-ups capped by it); unset: each run's own default. */
  seconds: number | undefined;
  hotIds: number;
  warmIds: number;
  batch: number;
}

const DEFAULT_SETTINGS: SessionsSettings = {
  sessions: SESSIONS,
  seconds: SECONDS,
  hotIds: HOT_IDS,
  warmIds: WARM_IDS,
  batch: BATCH,
};
/** The settings of the run in progress (set by measureSessions). */
let settings: SessionsSettings = DEFAULT_SETTINGS;

const duration = (full: number): number => settings.seconds ?? full;
const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface LatencyRun {
  requests: number;
  seconds: number;
  achieved_rps: number;
  latency_ms: ReturnType<typeof latencySummary>;
  non2xx: number;
  errors: number;
  /** Redis SETs during the run: for the service, the authorize cache misses (one SET NX each). */
  redis_sets: number;
  /** CPU time of the process measured (the api, or the baseline server) per request, ms. */
  cpu_ms_per_request: number;
  /** Busy share of the machine's CPU time (all cores) during the run. */
  machine_cpu_busy: number;
}

export interface AuthorizeRuns {
  hot: LatencyRun;
  warm: LatencyRun;
  cold: LatencyRun;
  baseline: LatencyRun;
  /** Each run's p99 over the baseline's. */
  ratio_p99: { hot: number; warm: number; cold: number };
}

export interface UsageRun {
  seconds: number;
  target_reports_per_s: number | null;
  batches: number;
  reports_sent: number;
  reports_applied: number;
  reports_per_s: number;
  batch_latency_ms: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  /** Error-level lines the api logged during the run. */
  server_errors: number;
  /** CPU time of the api per batch, ms (null for the baseline, which has no api). */
  api_cpu_ms_per_batch: number | null;
  machine_cpu_busy: number;
}

export interface SessionsResult {
  date: string;
  sessions: number;
  machine: { cores: number; memory_mb: number; load_average_before: number[]; load_average_after?: number[] };
  authorize?: {
    rate: number;
    hot_ids: number;
    warm_ids: number;
    /** Sessions the cold runs ask about in turn, and whether they came round again within the cache's TTL. */
    cold_ids: number;
    cold_repeats_within_ttl: boolean;
    goal_p99_ms: number;
    /** autocannon `overallRate`: per connection, a quota each second sent back to back. */
    bursts: AuthorizeRuns & { connections: number };
    /** Open loop, evenly spaced. */
    paced: AuthorizeRuns;
  };
  usage?: {
    batch: number;
    connections: number;
    goal_reports_per_s: number;
    sustained: UsageRun;
    ceiling: UsageRun;
    baseline: UsageRun;
    /** Unthrottled reports/s, service over bare pg. */
    ratio_ceiling: number;
  };
}

/** One batch of cumulative reports for a group of sessions; `round` grows each time a group comes back. */
interface UsageBatch {
  ids: string[];
  sequence: number;
  bytesIn: number[];
  bytesOut: number[];
}

/**
 * Hands out batches group after group: batch k is group k mod G in round k div G, so a session's
 * sequence and counters grow by round. A group comes back only after G - 1 other batches, so with fewer
 * than G connections its previous batch has been answered before the next one is sent.
 */
class UsageBatches {
  private next = 0;
  readonly groups: number;

  constructor(private readonly ids: string[]) {
    this.groups = Math.floor(ids.length / settings.batch);
  }

  take(): UsageBatch {
    const k = this.next++;
    const group = k % this.groups;
    const round = Math.floor(k / this.groups);
    const ids = this.ids.slice(group * settings.batch, (group + 1) * settings.batch);
    return {
      ids,
      sequence: round,
      bytesIn: ids.map((_, i) => (round + 1) * 1_048_576 + i),
      bytesOut: ids.map((_, i) => (round + 1) * 4 * 1_048_576 + i),
    };
  }
}

const asJson = (batch: UsageBatch): string =>
  JSON.stringify({
    reports: batch.ids.map((session_id, i) => ({
      session_id,
      sequence: batch.sequence,
      bytes_in: batch.bytesIn[i],
      bytes_out: batch.bytesOut[i],
    })),
  });

const largest = (values: number[]): number => values.reduce((max, v) => Math.max(max, v), 0);

/**
 * Percentiles of the answered requests' latencies, and the p99 of a typical second: the median over the
 * run's whole seconds (by completion time `at`) of each second's own p99, which tells a tail made by a few
 * stalls from one that is there all the time.
 */
function latencySummary(values: number[], at: number[]) {
  const seconds = new Map<number, number[]>();
  for (let i = 0; i < values.length; i += 1) {
    const second = Math.floor((at[i] - at[0]) / 1000);
    const bucket = seconds.get(second);
    if (bucket) bucket.push(values[i]);
    else seconds.set(second, [values[i]]);
  }
  const full = [...seconds.values()].filter((second) => second.length >= 100);
  return {
    p50: round2(quantile(values, 0.5)),
    p90: round2(quantile(values, 0.9)),
    p99: round2(quantile(values, 0.99)),
    p99_9: round2(quantile(values, 0.999)),
    max: round2(largest(values)),
    typical_second_p99: round2(
      quantile(
        full.map((second) => quantile(second, 0.99)),
        0.5,
      ),
    ),
  };
}

/** CPU time (user + system, ms) a process used so far, from /proc (Linux; 10 ms ticks). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The machine's busy and total CPU time so far (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return { busy: total - ticks[3] - ticks[4], total };
}

/** What a run cost: the measured process's CPU per request and how busy the whole machine was. */
function cpuMeter(pid: number | undefined) {
  const process0 = cpuMs(pid);
  const machine0 = machineCpu();
  return (requests: number) => {
    const machine = machineCpu();
    return {
      cpu_ms_per_request: round2((cpuMs(pid) - process0) / Math.max(1, requests)),
      machine_cpu_busy: round2((machine.busy - machine0.busy) / Math.max(1, machine.total - machine0.total)),
    };
  };
}

async function redisSets(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_set:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/** Runs autocannon and keeps every response's own time (ms, as a float) beside its result. */
function cannon(
  options: autocannon.Options,
): Promise<{ result: autocannon.Result; latencies: number[]; at: number[] }> {
  const latencies: number[] = [];
  const at: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) =>
      error
        ? reject(error instanceof Error ? error : new Error('autocannon failed'))
        : resolve({ result, latencies, at }),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      latencies.push(responseTime);
      at.push(performance.now());
    });
  });
}

/** A server under load: its port, and its process for the CPU it used. */
interface LoadTarget {
  port: number;
  pid: number | undefined;
}

/** `GET <path()>` at a fixed overall rate. */
async function fixedRate(
  redis: Redis,
  { port, pid }: LoadTarget,
  seconds: number,
  path: () => string,
  headers: Record<string, string>,
): Promise<LatencyRun> {
  const setsBefore = await redisSets(redis);
  const cpu = cpuMeter(pid);
  const { result, latencies, at } = await cannon({
    url: `http://127.0.0.1:${port}`,
    headers,
    connections: AUTHZ_CONNECTIONS,
    overallRate: AUTHZ_RATE,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  const answered = latencies.length + result.non2xx;
  const cost = cpu(answered);
  return {
    requests: answered,
    seconds: round2(result.duration),
    achieved_rps: Math.round(answered / result.duration),
    latency_ms: latencySummary(latencies, at),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    redis_sets: (await redisSets(redis)) - setsBefore,
    ...cost,
  };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * `GET <path()>` open loop: one request every 1/rate s on a fixed schedule, whatever the answers (as
 * many connections as that takes); each latency runs from the request's scheduled time, so a stall of
 * the generator or of the service shows in the figures instead of delaying the load.
 */
async function paced(
  redis: Redis,
  { port, pid }: LoadTarget,
  seconds: number,
  path: () => string,
  headers: Record<string, string>,
): Promise<LatencyRun> {
  const setsBefore = await redisSets(redis);
  const cpu = cpuMeter(pid);
  const interval = 1000 / AUTHZ_RATE;
  const total = Math.round(seconds * AUTHZ_RATE);
  const latencies: number[] = [];
  const at: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let pending = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const settled = () => {
      pending -= 1;
      if (sent === total && pending === 0) resolve();
    };
    const tick = () => {
      while (sent < total && start + sent * interval <= performance.now()) {
        const scheduled = start + sent * interval;
        sent += 1;
        pending += 1;
        const request = httpRequest(
          { host: '127.0.0.1', port, path: path(), headers, agent: keepAlive },
          (response) => {
            response.resume();
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                latencies.push(performance.now() - scheduled);
                at.push(performance.now());
              } else non2xx += 1;
              settled();
            });
          },
        );
        request.on('error', () => {
          errors += 1;
          settled();
        });
        request.end();
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  const cost = cpu(latencies.length + non2xx);
  return {
    requests: latencies.length + non2xx,
    seconds: round2(elapsed),
    achieved_rps: Math.round((latencies.length + non2xx) / elapsed),
    latency_ms: latencySummary(latencies, at),
    non2xx,
    errors,
    redis_sets: (await redisSets(redis)) - setsBefore,
    ...cost,
  };
}

/** Counts the api's error-level log lines while a run lasts. */
function errorLines(api: ChildProcess): { take(): number } {
  let count = 0;
  api.stdout?.on('data', (chunk: Buffer) => {
    count += chunk.toString().split('"level":"error"').length - 1;
  });
  return {
    take() {
      const taken = count;
      count = 0;
      return taken;
    },
  };
}

/** `POST /v1/sessions/usage`, batch after batch, at `reportsPerSecond` or unthrottled. */
async function usageThroughService(
  batches: UsageBatches,
  deviceKey: string,
  seconds: number,
  reportsPerSecond: number | null,
  apiPid: number | undefined,
  errors: { take(): number },
): Promise<UsageRun> {
  let applied = 0;
  let answered = 0;
  errors.take();
  const cpu = cpuMeter(apiPid);
  const { result, latencies } = await cannon({
    url: `http://127.0.0.1:${PORT}/v1/sessions/usage`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-device-key': deviceKey },
    connections: USAGE_CONNECTIONS,
    ...(reportsPerSecond ? { overallRate: reportsPerSecond / settings.batch } : {}),
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: asJson(batches.take()) }),
        onResponse: (status, body) => {
          if (status !== 200) return;
          answered += settings.batch;
          applied += (JSON.parse(body) as { applied: number }).applied;
        },
      },
    ],
  });
  const cost = cpu(latencies.length);
  return {
    seconds: round2(result.duration),
    target_reports_per_s: reportsPerSecond,
    batches: latencies.length,
    reports_sent: answered,
    reports_applied: applied,
    reports_per_s: Math.round(applied / result.duration),
    batch_latency_ms: {
      p50: round2(quantile(latencies, 0.5)),
      p99: round2(quantile(latencies, 0.99)),
      max: round2(largest(latencies)),
    },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    server_errors: errors.take(),
    api_cpu_ms_per_batch: cost.cpu_ms_per_request,
    machine_cpu_busy: cost.machine_cpu_busy,
  };
}

/** The baseline: the same batches, unthrottled, one guarded UPDATE … FROM unnest each, straight through pg. */
async function usageThroughPg(
  pool: Pool,
  companyId: string,
  batches: UsageBatches,
  seconds: number,
): Promise<UsageRun> {
  const latencies: number[] = [];
  let applied = 0;
  let sent = 0;
  let failed = 0;
  const cpu = cpuMeter(undefined);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const batch = batches.take();
      const t0 = performance.now();
      try {
        const { rowCount } = await pool.query(
          `UPDATE wifi_sessions s
              SET bytes_in = r.bytes_in, bytes_out = r.bytes_out, usage_seq = r.seq, last_usage_at = now()
             FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[]) AS r(id, seq, bytes_in, bytes_out)
            WHERE s.company_id = $1 AND s.id = r.id
              AND r.seq > s.usage_seq AND r.bytes_in >= s.bytes_in AND r.bytes_out >= s.bytes_out`,
          [companyId, batch.ids, batch.ids.map(() => batch.sequence), batch.bytesIn, batch.bytesOut],
        );
        latencies.push(performance.now() - t0);
        applied += rowCount ?? 0;
        sent += batch.ids.length;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: USAGE_CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: round2(elapsed),
    target_reports_per_s: null,
    batches: latencies.length,
    reports_sent: sent,
    reports_applied: applied,
    reports_per_s: Math.round(applied / elapsed),
    batch_latency_ms: {
      p50: round2(quantile(latencies, 0.5)),
      p99: round2(quantile(latencies, 0.99)),
      max: round2(largest(latencies)),
    },
    non2xx: 0,
    errors: failed,
    server_errors: 0,
    api_cpu_ms_per_batch: null,
    machine_cpu_busy: cpu(latencies.length).machine_cpu_busy,
  };
}

/** Kills a process and waits for it to exit (a CPU profile is written on the way out). */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 40_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function call<T>(url: string, init: RequestInit, expected: number): Promise<T> {
  const response = await fetch(url, init);
  if (response.status !== expected)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function measureSessions(options: Partial<SessionsSettings> = {}): Promise<SessionsResult> {
  settings = { ...DEFAULT_SETTINGS, ...options };
  if (settings.sessions < settings.warmIds * 2)
    throw new Error('BENCH_SESSIONS must be at least twice BENCH_WARM_IDS');
  if (Math.floor(settings.sessions / settings.batch) <= USAGE_CONNECTIONS)
    throw new Error('BENCH_SESSIONS / BENCH_USAGE_BATCH must exceed BENCH_USAGE_CONNECTIONS');
  const databaseUrl = await freshDatabase(ADMIN_URL, 'custops_bench_sessions');
  const prefix = `benchsessions${Date.now()}`;
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000000',
    ...BENCH_PRODUCTION_SECRETS,
  };
  const started: ChildProcess[] = [];
  const pool = new Pool({ connectionString: databaseUrl, max: USAGE_CONNECTIONS });
  const redis = new Redis(REDIS_URL);
  try {
    started.push(await startServiceProcess('worker', env, PORT));
    // --cpu-prof is refused in NODE_OPTIONS: a profiled api is started with it on its command line.
    const api = CPU_PROFILE_DIR
      ? await startProcess(
          ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`, join(ROOT, 'dist', 'src', 'main.js')],
          { ...env, APP_ROLE: 'api', PORT: String(PORT), NODE_OPTIONS: API_NODE_OPTIONS },
          '"custops started"',
        )
      : await startServiceProcess('api', env, PORT, API_NODE_OPTIONS);
    started.push(api);
    if (API_LOG) api.stdout?.pipe(createWriteStream(API_LOG));
    const serverErrors = errorLines(api);
    const baselinePrefix = `${prefix}:baseline:`;
    const baseline = await startProcess(
      ['-r', '@swc-node/register', __filename, '--baseline'],
      { REDIS_URL, PORT: String(BASELINE_PORT), BASELINE_REDIS_PREFIX: baselinePrefix },
      'baseline-ready',
    );
    started.push(baseline);

    const companyId = randomUUID();
    await pool.query(`INSERT INTO companies (id, name) VALUES ($1, 'Bench WiFi')`, [companyId]);
    const token = await mintToken(JWT_SECRET, {
      companyId,
      roles: ['admin'],
      userId: 'bench',
      ttlSeconds: 3600,
    });
    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${PORT}/v1`;
    const device = await call<{ key: string }>(
      `${base}/access-devices`,
      { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench-nas-1' }) },
      201,
    );
    const pkg = await call<{ id: string }>(
      `${base}/packages`,
      {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Daily', price_minor: 5000, currency: 'KES', duration_seconds: 86_400 }),
      },
      201,
    );

    process.stderr.write(`bench: ${settings.sessions} active sessions\n`);
    await pool.query(
      `INSERT INTO wifi_sessions (company_id, customer_id, package_id, package_name, source, status, price_minor,
         currency, duration_seconds, data_cap_bytes, speed_profile, services, started_at, expires_at, trace_id,
         created_at, updated_at)
       SELECT $1, gen_random_uuid(), p.id, p.name, 'purchase', 'active', p.price_minor, p.currency,
              p.duration_seconds, p.data_cap_bytes, p.speed_profile, '{}', now(), now() + interval '1 day',
              gen_random_uuid(), now(), now()
         FROM session_packages p, generate_series(1, $3::int)
        WHERE p.id = $2`,
      [companyId, pkg.id, settings.sessions],
    );
    await pool.query('VACUUM (ANALYZE) wifi_sessions');
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM wifi_sessions WHERE company_id = $1 ORDER BY created_at, id`,
      [companyId],
    );
    const ids = rows.map((row) => row.id);
    const deviceHeaders = { 'x-device-key': device.key };
    const first = await call<{ allow: boolean }>(
      `${base}/sessions/${ids[0]}/authorize`,
      { headers: deviceHeaders },
      200,
    );
    if (!first.allow) throw new Error('a bench session is not allowed');

    const result: SessionsResult = {
      date: new Date().toISOString(),
      sessions: settings.sessions,
      machine: {
        cores: cpus().length,
        memory_mb: Math.round(totalmem() / 1024 / 1024),
        load_average_before: loadavg().map(round2),
      },
    };
    if (!PART || PART === 'authorize') {
      result.authorize = await measureAuthorize(
        redis,
        ids,
        deviceHeaders,
        { port: PORT, pid: api.pid },
        { port: BASELINE_PORT, pid: baseline.pid },
        baselinePrefix,
      );
    }
    if (!PART || PART === 'usage') {
      result.usage = await measureUsage(pool, companyId, ids, device.key, api.pid, serverErrors);
    }
    result.machine.load_average_after = loadavg().map(round2);
    return result;
  } finally {
    redis.disconnect();
    await pool.end();
    await Promise.all(started.map(stop));
  }
}

/** A. authorize at a fixed rate: hot, warm and cold ids through the service, beside the bare baseline. */
async function measureAuthorize(
  redis: Redis,
  ids: string[],
  headers: Record<string, string>,
  service: LoadTarget,
  bare: LoadTarget,
  baselinePrefix: string,
): Promise<NonNullable<SessionsResult['authorize']>> {
  const rotating = (set: string[]) => {
    let next = 0;
    return () => `/v1/sessions/${set[next++ % set.length]}/authorize`;
  };
  const hotPath = rotating(ids.slice(0, settings.hotIds));
  const warmPath = rotating(ids.slice(0, settings.warmIds));
  // Never asked about before (wrapping round only after far longer than the cache keeps an answer, given
  // enough sessions: with fewer than rate × TTL of them, a wrapped id is still cached; the result says so).
  const coldIds = ids.slice(settings.warmIds);
  const coldRotation = rotating(coldIds);
  let coldAsked = 0;
  const coldPath = () => {
    coldAsked += 1;
    return coldRotation();
  };
  // The baseline's values: the same terms the service caches, under keys of its own (an hour's TTL).
  const terms = JSON.stringify({
    status: 'active',
    expiresAt: Date.now() + 86_400_000,
    dataCapBytes: null,
    usedBytes: 0,
    speedProfile: null,
  });
  const pipeline = redis.pipeline();
  for (const id of ids.slice(0, settings.warmIds)) pipeline.set(`${baselinePrefix}${id}`, terms, 'EX', 3600);
  await pipeline.exec();

  /** Each run comes after a warm-up of its own (same load, same kind of ids): pools and caches are as in use. */
  const measured = async (load: typeof fixedRate, target: LoadTarget, path: () => string) => {
    await load(redis, target, Math.min(WARMUP_SECONDS, duration(WARMUP_SECONDS)), path, headers);
    return load(redis, target, duration(20), path, headers);
  };
  const runs = async (shape: string, load: typeof fixedRate): Promise<AuthorizeRuns> => {
    process.stderr.write(`bench: authorize ${shape}, hot (${settings.hotIds} sessions)\n`);
    const hot = await measured(load, service, hotPath);
    process.stderr.write(`bench: authorize ${shape}, bare node:http + ioredis GET baseline\n`);
    const baseline = await measured(load, bare, warmPath);
    process.stderr.write(`bench: authorize ${shape}, warm (${settings.warmIds} sessions)\n`);
    const warm = await measured(load, service, warmPath);
    process.stderr.write(`bench: authorize ${shape}, cold (a new session each)\n`);
    const cold = await measured(load, service, coldPath);
    const ratio = (run: LatencyRun) => round2(run.latency_ms.p99 / baseline.latency_ms.p99);
    return {
      hot,
      warm,
      cold,
      baseline,
      ratio_p99: { hot: ratio(hot), warm: ratio(warm), cold: ratio(cold) },
    };
  };
  // The JIT and the pools first: the first tens of thousands of requests after a start cost more.
  process.stderr.write('bench: authorize warm-up\n');
  await fixedRate(redis, service, duration(15), warmPath, headers);
  await fixedRate(redis, bare, duration(5), warmPath, headers);
  const bursts = await runs(`${AUTHZ_RATE} req/s autocannon`, fixedRate);
  const paced_ = await runs(`${AUTHZ_RATE} req/s paced`, paced);
  return {
    rate: AUTHZ_RATE,
    hot_ids: settings.hotIds,
    warm_ids: settings.warmIds,
    cold_ids: coldIds.length,
    cold_repeats_within_ttl: coldAsked > coldIds.length && coldIds.length < AUTHZ_RATE * CACHE_TTL_S,
    goal_p99_ms: GOAL_AUTHZ_P99_MS,
    bursts: { ...bursts, connections: AUTHZ_CONNECTIONS },
    paced: paced_,
  };
}

/** B. usage batches: sustained at the goal's rate, then unthrottled, beside the bare pg UPDATE. */
async function measureUsage(
  pool: Pool,
  companyId: string,
  ids: string[],
  deviceKey: string,
  apiPid: number | undefined,
  serverErrors: { take(): number },
): Promise<NonNullable<SessionsResult['usage']>> {
  const batches = new UsageBatches(ids);
  const warmup = Math.min(3, duration(3));
  const through = (seconds: number, rate: number | null) =>
    usageThroughService(batches, deviceKey, seconds, rate, apiPid, serverErrors);
  process.stderr.write('bench: usage warm-up\n');
  await through(warmup, null);
  process.stderr.write(`bench: usage, sustained at ${USAGE_RATE} reports/s\n`);
  const sustained = await through(duration(30), USAGE_RATE);
  process.stderr.write('bench: usage, unthrottled\n');
  const ceiling = await through(duration(20), null);
  process.stderr.write('bench: usage, bare pg UPDATE … FROM unnest baseline\n');
  await usageThroughPg(pool, companyId, batches, warmup);
  const baseline = await usageThroughPg(pool, companyId, batches, duration(20));
  return {
    batch: settings.batch,
    connections: USAGE_CONNECTIONS,
    goal_reports_per_s: GOAL_REPORTS_PER_S,
    sustained,
    ceiling,
    baseline,
    ratio_ceiling: round2(ceiling.reports_per_s / baseline.reports_per_s),
  };
}

export function describeSessions(r: SessionsResult): string {
  const m = r.machine;
  const lines = [
    '',
    `WiFi sessions (${r.sessions} active, ${r.date}; ${m.cores} cores, ${m.memory_mb} MB; load average ` +
      `${m.load_average_before.join(' ')} before, ${m.load_average_after?.join(' ') ?? '?'} after)`,
  ];
  const a = r.authorize;
  if (a) {
    const row = (name: string, run: LatencyRun) => {
      const l = run.latency_ms;
      return (
        `| ${name} | ${run.achieved_rps} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.typical_second_p99} | ${l.p99_9} | ${l.max} | ` +
        `${run.non2xx + run.errors} | ${run.redis_sets} | ${run.cpu_ms_per_request} | ` +
        `${Math.round(run.machine_cpu_busy * 100)}% |`
      );
    };
    const met = (run: LatencyRun) =>
      run.latency_ms.p99 < a.goal_p99_ms && run.achieved_rps >= a.rate * 0.98 ? 'met' : 'MISSED';
    const shape = (title: string, runs: AuthorizeRuns) => [
      '',
      title,
      '| target | req/s | p50 | p90 | p99 | p99 of a typical second | p99.9 | max | non-2xx + errors | Redis SETs (cache misses) | server CPU ms/req | machine CPU busy |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      row(`authorize, hot (${a.hot_ids} sessions)`, runs.hot),
      row(`authorize, warm (${a.warm_ids} sessions)`, runs.warm),
      row('authorize, cold (a new session each)', runs.cold),
      row('bare node:http + one ioredis GET', runs.baseline),
      `p99 / baseline p99: hot ${runs.ratio_p99.hot}, warm ${runs.ratio_p99.warm}, cold ${runs.ratio_p99.cold}; ` +
        `goal p99 < ${a.goal_p99_ms} ms: hot ${met(runs.hot)}, warm ${met(runs.warm)}, cold ${met(runs.cold)}`,
    ];
    lines.push(
      `GET /v1/sessions/:id/authorize at ${a.rate} req/s, ${a.bursts.hot.seconds} s a run, latencies in ms`,
      ...shape(
        `autocannon overallRate, ${a.bursts.connections} connections (each second's quota sent back to back):`,
        a.bursts,
      ),
      ...shape('open loop, evenly paced (latency from the scheduled send time):', a.paced),
    );
  }
  const u = r.usage;
  if (u) {
    const row = (name: string, run: UsageRun) =>
      `| ${name} | ${run.target_reports_per_s ?? 'max'} | ${run.reports_per_s} | ${run.reports_applied} / ${run.reports_sent} | ` +
      `${run.batch_latency_ms.p50} / ${run.batch_latency_ms.p99} / ${run.batch_latency_ms.max} | ` +
      `${run.non2xx + run.errors} | ${run.server_errors} | ${run.api_cpu_ms_per_batch ?? '–'} | ` +
      `${Math.round(run.machine_cpu_busy * 100)}% |`;
    const s = u.sustained;
    const met =
      s.reports_per_s >= u.goal_reports_per_s * 0.98 &&
      s.reports_applied === s.reports_sent &&
      s.non2xx + s.errors + s.server_errors === 0;
    lines.push(
      '',
      `POST /v1/sessions/usage, ${u.batch} reports a batch, ${u.connections} connections`,
      '| run | target reports/s | applied reports/s | applied / sent | batch p50 / p99 / max ms | non-2xx + errors | api error logs | api CPU ms/batch | machine CPU busy |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      row(`service, sustained (${s.seconds} s)`, s),
      row(`service, unthrottled (${u.ceiling.seconds} s)`, u.ceiling),
      row(`bare pg UPDATE … FROM unnest (${u.baseline.seconds} s)`, u.baseline),
      `unthrottled service / bare pg: ${u.ratio_ceiling}; goal ${u.goal_reports_per_s} reports/s sustained: ` +
        `${met ? 'met' : 'MISSED'}`,
    );
  }
  return lines.join('\n');
}

/** The report's rows: authorize p99 per id set and load shape beside the bare server, and usage throughput. */
export function sessionsFigures(r: SessionsResult): Figure[] {
  const figures: Figure[] = [];
  const volume = `${count(r.sessions)} active sessions`;
  const a = r.authorize;
  if (a) {
    const shapes: Array<[string, AuthorizeRuns]> = [
      [`autocannon, ${a.bursts.connections} conn. (bursts)`, a.bursts],
      ['evenly paced', a.paced],
    ];
    for (const [shape, runs] of shapes) {
      const sets: Array<[string, LatencyRun]> = [
        ['hot set', runs.hot],
        ['warm set', runs.warm],
        ['cold', runs.cold],
      ];
      for (const [set, run] of sets) {
        const cold = run === runs.cold;
        figures.push({
          module: 'sessions',
          scenario: `GET /v1/sessions/:id/authorize at ${a.rate} req/s, ${set}, ${shape}`,
          measure: 'p99 ms (bare: node:http + one Redis GET)',
          volume,
          service: run.latency_ms.p99,
          baseline: runs.baseline.latency_ms.p99,
          work: 'fixed',
          target: `goal p99 < ${a.goal_p99_ms} ms at ${a.rate} req/s`,
          met: run.latency_ms.p99 < a.goal_p99_ms && run.achieved_rps >= a.rate * 0.98,
          note:
            run.non2xx + run.errors > 0
              ? `${run.non2xx + run.errors} requests failed or answered non-2xx`
              : cold && a.cold_repeats_within_ttl
                ? `only ${count(a.cold_ids)} cold sessions: they came round again within the cache's ${CACHE_TTL_S} s TTL, so "cold" was partly hits`
                : undefined,
        });
      }
    }
  }
  const u = r.usage;
  if (u) {
    const s = u.sustained;
    const scenario = `POST /v1/sessions/usage (batches, ${u.connections} conn.)`;
    figures.push(
      {
        module: 'sessions',
        scenario,
        measure: `applied reports/s, offered ${count(u.goal_reports_per_s)}/s`,
        volume,
        service: s.reports_per_s,
        baseline: null,
        rate: true,
        work: 'fixed',
        target: `goal ${count(u.goal_reports_per_s)} reports/s sustained, all applied, no error`,
        met:
          s.reports_per_s >= u.goal_reports_per_s * 0.98 &&
          s.reports_applied === s.reports_sent &&
          s.non2xx + s.errors + s.server_errors === 0,
      },
      {
        module: 'sessions',
        scenario,
        measure: `batch p99 ms, offered ${count(u.goal_reports_per_s)}/s`,
        volume,
        service: s.batch_latency_ms.p99,
        baseline: null,
        work: 'fixed',
        target: null,
        met: null,
      },
      {
        module: 'sessions',
        scenario,
        measure: 'applied reports/s, unthrottled (bare: pg UPDATE … FROM unnest)',
        volume,
        service: u.ceiling.reports_per_s,
        baseline: u.baseline.reports_per_s,
        rate: true,
        work: 'fixed',
        target: null,
        met: null,
      },
    );
  }
  return figures;
}

/** The authorize baseline: node:http, one ioredis GET of the cached terms, the same decision. */
async function baselineServer(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = process.env.BASELINE_REDIS_PREFIX ?? '';
  const server = createServer((request, response) => {
    const id = /^\/v1\/sessions\/([^/]+)\/authorize$/.exec(request.url ?? '')?.[1];
    if (!id) {
      response.writeHead(404).end();
      return;
    }
    redis.get(`${prefix}${id}`).then(
      (raw) => {
        if (!raw) {
          response.writeHead(404).end();
          return;
        }
        const terms = JSON.parse(raw) as { status: string; expiresAt: number; speedProfile: string | null };
        const now = Date.now();
        const allow = terms.status === 'active' && terms.expiresAt > now;
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            session_id: id,
            allow,
            reason: allow ? null : 'expired',
            status: terms.status,
            remaining_seconds: allow ? Math.floor((terms.expiresAt - now) / 1000) : 0,
            remaining_bytes: null,
            speed_profile: allow ? terms.speedProfile : null,
            expires_at: new Date(terms.expiresAt).toISOString(),
          }),
        );
      },
      () => response.writeHead(500).end(),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));
  process.stdout.write('baseline-ready\n');
  process.on('SIGTERM', () => {
    server.close();
    redis.disconnect();
    process.exit(0);
  });
}

if (require.main === module) {
  if (process.argv.includes('--baseline')) void baselineServer();
  else
    measureSessions().then(
      (result) => {
        console.log(describeSessions(result));
        mkdirSync(join(__dirname, 'results'), { recursive: true });
        const file = join(
          __dirname,
          'results',
          `sessions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
        );
        writeFileSync(file, JSON.stringify(result, null, 2));
        console.log(`\nwrote ${file}`);
      },
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
}
