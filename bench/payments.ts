/**
 * `node -r @swc-node/register bench/payments.ts` (after `npm run build`): `POST /v1/payments` under load
 * against the gateway simulator, beside a bare Fastify + pg route doing the same statements (invoice
 * lookup, intent insert, outbox row, in one transaction). The service runs as an api process with a
 * worker process beside it, so the gateway calls and the callbacks (to the api) happen during the run,
 * as in production. Prints req/s and latency medians over rounds and the service/baseline ratios.
 * BENCH_DURATION (s), BENCH_ROUNDS, BENCH_CONNECTIONS, GATEWAY_SIM_LATENCY_MS tune it.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { Client, Pool } from 'pg';
import { startGatewaySimulator } from '../src/gateway-sim/simulator';
import { mintToken } from '../src/platform/auth/tokens';
import { count, type Figure } from './figures';
import { startProcess, stopProcess } from './service-process';

const ROOT = join(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = `custops_bench_payments`;
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DATABASE}`);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SIM_LATENCY_MS = Number(process.env.GATEWAY_SIM_LATENCY_MS ?? 50);
const SERVICE_PORT = 3910;
const BASELINE_PORT = 3911;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const GATEWAY_SECRET = 'bench-gateway-secret-0123456789';
const COMPANY = 'b0000000-0000-4000-8000-0000000a7e11';
const INVOICES = 200;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The bare baseline: the same statements as the service's create, without the platform around them. */
async function baseline(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  const app = Fastify({ logger: false });
  app.post('/bare/:company/payments', async (request) => {
    const company = (request.params as { company: string }).company;
    const key = String(request.headers['idempotency-key']);
    const body = request.body as {
      customer_id: string;
      amount_minor: number;
      purpose_id: string;
      phone: string;
    };
    const { rows: invoice } = await pool.query(
      'SELECT customer_id, currency, status, balance_minor FROM invoices WHERE company_id = $1 AND id = $2',
      [company, body.purpose_id],
    );
    if (!invoice[0]) throw new Error('no invoice');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO payment_intents (company_id, customer_id, amount_minor, currency, method, purpose_type, purpose_id,
           phone, status, provider, idempotency_key, trace_id, created_at, updated_at)
         VALUES ($1, $2, $3, 'KES', 'mobile_money', 'invoice', $4, $5, 'processing', 'bare', $6, $6, now(), now())
         RETURNING *`,
        [company, body.customer_id, body.amount_minor, body.purpose_id, body.phone, key],
      );
      await client.query(
        `INSERT INTO outbox_events (event_id, type, company_id, customer_id, metadata, occurred_at)
         VALUES (gen_random_uuid(), 'BarePaymentRequested', $1, $2, $3, now())`,
        [company, body.customer_id, JSON.stringify({ payment_id: rows[0].id })],
      );
      await client.query('COMMIT');
      return rows[0];
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write('baseline-ready\n');
  process.on(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
}

/** How long and how hard the create is driven; the CLI reads them from the environment. */
export interface PaymentsOptions {
  duration: number;
  rounds: number;
  connections: number;
}

const PAYMENTS_DEFAULTS: PaymentsOptions = { duration: DURATION, rounds: ROUNDS, connections: CONNECTIONS };

interface PaymentsSummary {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  low_load_p50_ms: number;
  low_load_p97_5_ms: number;
  errors: number;
}

export interface PaymentsResult {
  scenario: string;
  invoices: number;
  duration_s: number;
  rounds: number;
  connections: number;
  gateway_latency_ms: number;
  service: PaymentsSummary;
  baseline: PaymentsSummary;
  ratio: { rps: number; p50: number };
  intents_by_status_after_drain: Array<{ status: string; n: number }>;
  gateway_requests: number;
}

async function load(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: () => string,
  connections: number,
  duration: number,
) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    connections,
    duration,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, 'idempotency-key': randomUUID() },
          body: body(),
        }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

export async function measurePayments(options: PaymentsOptions = PAYMENTS_DEFAULTS): Promise<PaymentsResult> {
  const { duration, rounds, connections } = options;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  await new Promise<void>((resolve, reject) =>
    spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL },
      stdio: 'inherit',
    }).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited with ${code}`)))),
  );

  const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  const invoices: Array<{ id: string; customer: string }> = [];
  for (let i = 0; i < INVOICES; i += 1) {
    const customer = randomUUID();
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, total_minor, subtotal_minor, tax_minor,
                             allocated_minor, balance_minor, status, issue_date, due_date, issued_at)
       VALUES ($1, $2, $3, 'KES', 1000000000, 1000000000, 0, 0, 1000000000, 'open', current_date, current_date + 30, now())
       RETURNING id`,
      [COMPANY, customer, `INV-B${String(i).padStart(6, '0')}`],
    );
    invoices.push({ id: rows[0].id, customer });
  }
  const sim = await startGatewaySimulator({
    secret: GATEWAY_SECRET,
    latencyMs: SIM_LATENCY_MS,
    callbackDelayMs: 200,
    log: () => undefined,
  });
  const serviceEnv = {
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    PORT: String(SERVICE_PORT),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL,
    REDIS_PREFIX: `benchpay${Date.now()}`,
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    PAYMENT_GATEWAY_URL: sim.url,
    PAYMENT_GATEWAY_SECRET: GATEWAY_SECRET,
    PAYMENT_CALLBACK_BASE_URL: `http://127.0.0.1:${SERVICE_PORT}`,
    BANK_ACCOUNT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const worker = await startProcess(
    [join(ROOT, 'dist', 'src', 'main.js')],
    { ...serviceEnv, APP_ROLE: 'worker', PORT: '0', LOG_LEVEL: 'info' },
    '"custops started"',
  );
  const service = await startProcess(
    [join(ROOT, 'dist', 'src', 'main.js')],
    { ...serviceEnv, LOG_LEVEL: 'info' },
    '"custops started"',
  );
  const bare = await startProcess(
    ['-r', '@swc-node/register', __filename, '--baseline'],
    { DATABASE_URL, PORT: String(BASELINE_PORT) },
    'baseline-ready',
  );
  const token = await mintToken(JWT_SECRET, { companyId: COMPANY, roles: ['agent'], ttlSeconds: 24 * 3600 });
  const body = () => {
    const invoice = invoices[Math.floor(Math.random() * invoices.length)];
    return JSON.stringify({
      customer_id: invoice.customer,
      amount_minor: 1,
      currency: 'KES',
      method: 'mobile_money',
      purpose_type: 'invoice',
      purpose_id: invoice.id,
      phone: '+254700000001',
    });
  };
  type Load = Awaited<ReturnType<typeof load>>;
  const runs = {
    service: [] as Load[],
    baseline: [] as Load[],
  };
  const low = {
    service: [] as Load[],
    baseline: [] as Load[],
  };
  const serviceTarget = ['/v1/payments', { authorization: `Bearer ${token}` }] as const;
  const bareTarget = [`/bare/${COMPANY}/payments`, {}] as const;
  try {
    await load(SERVICE_PORT, ...serviceTarget, body, connections, duration); // warm-up
    await load(BASELINE_PORT, ...bareTarget, body, connections, duration);
    for (let round = 0; round < rounds; round += 1) {
      runs.service.push(await load(SERVICE_PORT, ...serviceTarget, body, connections, duration));
      runs.baseline.push(await load(BASELINE_PORT, ...bareTarget, body, connections, duration));
      low.service.push(await load(SERVICE_PORT, ...serviceTarget, body, 2, duration));
      low.baseline.push(await load(BASELINE_PORT, ...bareTarget, body, 2, duration));
    }
    // Let the worker push what is queued (bounded wait), then count how the intents ended.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM payment_intents WHERE provider <> 'bare' AND status = 'processing'`,
      );
      if (Number(rows[0].n) === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { rows: statuses } = await pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM payment_intents WHERE provider <> 'bare' GROUP BY status ORDER BY status`,
    );
    const summary = (saturated: Load[], quiet: Load[]): PaymentsSummary => ({
      rps: Math.round(median(saturated.map((r) => r.rps))),
      p50_ms: median(saturated.map((r) => r.p50)),
      p99_ms: median(saturated.map((r) => r.p99)),
      low_load_p50_ms: median(quiet.map((r) => r.p50)),
      low_load_p97_5_ms: median(quiet.map((r) => r.p97_5)),
      errors: [...saturated, ...quiet].reduce((sum, r) => sum + r.errors, 0),
    });
    const s = summary(runs.service, low.service);
    const b = summary(runs.baseline, low.baseline);
    return {
      scenario: 'POST /v1/payments',
      invoices: INVOICES,
      duration_s: duration,
      rounds,
      connections,
      gateway_latency_ms: SIM_LATENCY_MS,
      service: s,
      baseline: b,
      ratio: {
        rps: +(s.rps / b.rps).toFixed(2),
        p50: +(s.p50_ms / Math.max(b.p50_ms, 0.001)).toFixed(2),
      },
      intents_by_status_after_drain: statuses,
      gateway_requests: sim.requests().length,
    };
  } finally {
    await Promise.all([service, worker, bare].map((child) => stopProcess(child)));
    await sim.close();
    await pool.end();
  }
}

/**
 * The report's rows: saturated req/s and p97.5 at low load beside the bare route. No volume is named for
 * payments: the load runs for a fixed time against 200 open invoices, so there is no tenth to compare with.
 */
export function paymentsFigures(r: PaymentsResult): Figure[] {
  const base = {
    module: 'payments' as const,
    scenario: `POST /v1/payments (api + worker + gateway simulator at ${r.gateway_latency_ms} ms)`,
    volume: `${count(r.invoices)} open invoices`,
    work: 'none' as const,
    target: null,
    met: null,
  };
  const errors = r.service.errors + r.baseline.errors;
  // No request completed within a round (a round shorter than one answer): a figure is missing, not zero.
  const service = (v: number) => (r.service.rps === 0 ? Number.NaN : v);
  const baseline = (v: number) => (r.baseline.rps === 0 ? Number.NaN : v);
  const note =
    r.service.rps === 0 || r.baseline.rps === 0
      ? 'no request completed within a round: the figures are missing, not zero'
      : errors
        ? `${errors} requests failed or answered non-2xx: suspect`
        : undefined;
  return [
    {
      ...base,
      measure: `req/s, ${r.connections} conn.`,
      service: service(r.service.rps),
      baseline: baseline(r.baseline.rps),
      rate: true,
      note,
    },
    {
      ...base,
      measure: 'p50 ms, 2 conn.',
      service: service(r.service.low_load_p50_ms),
      baseline: baseline(r.baseline.low_load_p50_ms),
      note,
    },
    {
      ...base,
      measure: 'p97.5 ms, 2 conn.',
      service: service(r.service.low_load_p97_5_ms),
      baseline: baseline(r.baseline.low_load_p97_5_ms),
      note,
    },
  ];
}

if (require.main === module) {
  if (process.argv.includes('--baseline')) void baseline();
  else
    measurePayments().then(
      (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
}
