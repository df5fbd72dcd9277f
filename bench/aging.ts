/**
 * AR aging for a large company (issue 7): 1,000,000 open invoices (BENCH_AGING_INVOICES) over 100,000
 * customers (BENCH_AGING_CUSTOMERS), 5% in USD, every fifth partly paid (an allocation of 30%), due
 * dates spread over 150 days past to 30 days ahead. Seeded once, set-based (INSERT … SELECT over
 * generate_series), into a company of its own; later runs reuse it.
 *
 * Each round times `GET /v1/aging` (today, due date, first page of 50 customers and the company totals)
 * on the running bench service, through HTTP, against the very same statement run bare by `psql -c`
 * (a process spawned per round: connect, run, print). psql's own `\timing` of the statement is kept too:
 * the database floor without any process or connection cost.
 *
 * Run alone (`node -r @swc-node/register bench/aging.ts`, DATABASE_URL set) it seeds and prints the
 * statement's EXPLAIN (ANALYZE, BUFFERS), for profiling.
 */
import { spawn } from 'node:child_process';
import { Pool } from 'pg';
import { utcDate } from '../src/modules/invoices/aging/aging-definitions';
import {
  agingReportStatement,
  inlineStatement,
  statementSettings,
} from '../src/modules/invoices/aging/aging.statements';
import { mintToken } from '../src/platform/auth/tokens';
import { companyForVolume, count, type Figure } from './figures';
import { quantile } from './stats';

export const AGING_COMPANY_ID = 'b0000000-0000-4000-8000-0000000a6e01';
const INVOICES = Number(process.env.BENCH_AGING_INVOICES ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_AGING_CUSTOMERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_AGING_ROUNDS ?? 20);
/** Seed 002: "Aging Calculation" p95 target and alert; the goal. */
const SEED_TARGET_MS = 5000;
const SEED_ALERT_MS = 10_000;
const GOAL_MS = 2000;
const GOAL_RATIO = 1.5;

/** What one run seeds and measures: `invoices` open invoices over `customers` customers, in a company of their own. */
export interface AgingVolume {
  invoices: number;
  customers: number;
  rounds: number;
}

const DEFAULT_VOLUME: AgingVolume = { invoices: INVOICES, customers: CUSTOMERS, rounds: ROUNDS };

/** The company holding a volume: the fixed bench company at the default, one of its own at any other. */
const agingCompany = (v: AgingVolume): string => companyForVolume(AGING_COMPANY_ID, v.invoices, INVOICES);

export interface AgingResult {
  open_invoices: number;
  customers: number;
  rounds: number;
  service_ms: { median: number; p95: number };
  bare_psql_ms: { median: number; p95: number };
  bare_statement_ms: { median: number; p95: number };
  ratio_p95: number;
  ratio_median: number;
  ratio_to_statement_median: number;
  meets_goal: boolean;
}

const summary = (values: number[]) => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) });

/**
 * This company sends no payment reminders (an empty dunning schedule): left to the default schedule,
 * the bench worker's dunning scan would remind a million invoices through the outbox and notifications
 * while aging is measured, and leave that backlog to every later bench.
 */
async function optOutOfReminders(pool: Pool, companyId: string): Promise<void> {
  const { rows } = await pool.query<{ e: boolean }>(
    `SELECT to_regclass('invoice_reminder_schedules') IS NOT NULL AS e`,
  );
  if (!rows[0].e) return;
  await pool.query(
    `INSERT INTO invoice_reminder_schedules (company_id, offsets_days, updated_by, updated_at)
     VALUES ($1, '{}', 'bench', now())
     ON CONFLICT (company_id) DO UPDATE SET offsets_days = '{}', updated_by = 'bench', updated_at = now()`,
    [companyId],
  );
}

export async function seedAging(pool: Pool, volume: AgingVolume = DEFAULT_VOLUME): Promise<void> {
  const companyId = agingCompany(volume);
  const { invoices, customers } = volume;
  await pool.query(
    `INSERT INTO companies (id, name) VALUES ($1, 'Aging bench') ON CONFLICT (id) DO NOTHING`,
    [companyId],
  );
  await optOutOfReminders(pool, companyId);
  const [{ n }] = (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices WHERE company_id = $1 AND status IN ('open', 'partially_paid')`,
      [companyId],
    )
  ).rows;
  if (n === invoices) return;
  process.stderr.write(`bench: seeding ${invoices} open invoices over ${customers} customers for aging\n`);
  const client = await pool.connect();
  try {
    if ((await client.query(`SELECT to_regclass('invoice_reminders') IS NOT NULL AS e`)).rows[0].e) {
      await client.query(`DELETE FROM invoice_reminders WHERE company_id = $1`, [companyId]);
    }
    await client.query(`DELETE FROM invoice_allocations WHERE company_id = $1`, [companyId]);
    await client.query(`DELETE FROM invoices WHERE company_id = $1`, [companyId]);
    await client.query(`DELETE FROM customers WHERE company_id = $1`, [companyId]);
    await client.query(
      `INSERT INTO customers (company_id, customer_number, name, currency, source)
       SELECT $1, 'AG-' || lpad(i::text, 6, '0'), 'Aging customer ' || i, 'KES', 'import'
         FROM generate_series(1, $2::int) i`,
      [companyId, customers],
    );
    await client.query(
      `CREATE TEMP TABLE aging_bench_customers AS
       SELECT id, row_number() OVER (ORDER BY customer_number) AS n FROM customers WHERE company_id = $1`,
      [companyId],
    );
    await client.query(`CREATE UNIQUE INDEX ON aging_bench_customers (n)`);
    // Invoice i: customer 1 + i mod CUSTOMERS (10 each), USD when i mod 20 = 0, due 30 days ahead to
    // 150 days past, total 1,000-500,999 minor units, a 30% allocation when i mod 5 = 0.
    await client.query(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date,
                             issued_at, subtotal_minor, tax_minor, total_minor, allocated_minor, balance_minor)
       SELECT $1, c.id, 'AG-' || lpad(s.i::text, 7, '0'), s.currency,
              CASE WHEN s.paid > 0 THEN 'partially_paid' ELSE 'open' END,
              s.due - 30, s.due, ((s.due - 30)::timestamp AT TIME ZONE 'UTC'), s.total, 0, s.total, s.paid,
              s.total - s.paid
         FROM (SELECT i, 1 + i % $3 AS n, CASE WHEN i % 20 = 0 THEN 'USD' ELSE 'KES' END AS currency,
                      current_date + 30 - (i::bigint * 7919 % 181)::int AS due, t.total,
                      CASE WHEN i % 5 = 0 THEN t.total * 3 / 10 ELSE 0 END AS paid
                 FROM generate_series(1, $2::int) i
                 CROSS JOIN LATERAL (SELECT 1000 + (i::bigint * 104729 % 500000) AS total) t) s
         JOIN aging_bench_customers c ON c.n = s.n`,
      [companyId, invoices, customers],
    );
    await client.query(
      `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on, source)
       SELECT company_id, id, customer_id, allocated_minor, currency, least(issue_date + 10, current_date), 'manual'
         FROM invoices WHERE company_id = $1 AND allocated_minor > 0`,
      [companyId],
    );
    await client.query(`DROP TABLE aging_bench_customers`);
  } finally {
    client.release();
  }
  // The visibility map lets the open-invoices index be read without the heap, as in a settled database.
  await pool.query(`VACUUM (ANALYZE) invoices`);
  await pool.query(`VACUUM (ANALYZE) invoice_allocations`);
  await pool.query(`ANALYZE customers`);
}

/** The statement the service runs for `GET /v1/aging` today (first page of 50). */
function statement(companyId: string): string {
  return inlineStatement(
    agingReportStatement(
      { companyId, asOf: utcDate(new Date()), basis: 'due_date', path: 'ledger' },
      { limit: 50 },
    ),
  );
}

/** The service's planner settings for the statement (set per transaction there, per session here). */
const PSQL_SETTINGS = statementSettings('ledger').flatMap(([name, value]) => [
  '-c',
  `SET ${name} = '${value}'`,
]);

function psql(
  databaseUrl: string,
  sql: string,
): Promise<{ wallMs: number; statementMs: number; out: string }> {
  const started = performance.now();
  const child = spawn(
    'psql',
    [
      databaseUrl,
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      ...PSQL_SETTINGS,
      '-c',
      '\\timing on',
      '-c',
      sql,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      const timing = /Time: ([\d.]+) ms/.exec(out);
      if (code !== 0 || !timing) return reject(new Error(`psql exited ${code}: ${err}`));
      resolve({ wallMs, statementMs: Number(timing[1]), out });
    });
  });
}

interface Totals {
  currency: string;
  total_minor: number;
}

async function viaHttp(baseUrl: string, token: string): Promise<{ ms: number; totals: Totals[] }> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/v1/aging`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { totals: Totals[]; data: unknown[] };
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET /v1/aging answered ${res.status}: ${JSON.stringify(body)}`);
  return { ms, totals: body.totals.map((t) => ({ currency: t.currency, total_minor: t.total_minor })) };
}

/** psql -A -t rows of the totals (customer_id empty): currency → total_minor. */
function psqlTotals(out: string): Totals[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|'))
    .map((cells) => ({ currency: cells[1], total_minor: Number(cells[7]) }));
}

export async function measureAging(
  baseUrl: string,
  jwtSecret: string,
  databaseUrl: string,
  pool: Pool,
  volume: AgingVolume = DEFAULT_VOLUME,
): Promise<AgingResult> {
  await seedAging(pool, volume);
  const companyId = agingCompany(volume);
  const { invoices, customers, rounds } = volume;
  const token = await mintToken(jwtSecret, {
    companyId,
    roles: ['viewer'],
    ttlSeconds: 3600,
  });
  const sql = statement(companyId);
  // Warm-up, and the same figures both ways.
  const warm = await viaHttp(baseUrl, token);
  const bareWarm = await psql(databaseUrl, sql);
  const sortTotals = (t: Totals[]) => [...t].sort((a, b) => a.currency.localeCompare(b.currency));
  if (JSON.stringify(sortTotals(warm.totals)) !== JSON.stringify(sortTotals(psqlTotals(bareWarm.out)))) {
    throw new Error(
      `service and bare totals differ: ${JSON.stringify(warm.totals)} vs ${JSON.stringify(psqlTotals(bareWarm.out))}`,
    );
  }
  const service: number[] = [];
  const bare: number[] = [];
  const statementMs: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    service.push((await viaHttp(baseUrl, token)).ms);
    const run = await psql(databaseUrl, sql);
    bare.push(run.wallMs);
    statementMs.push(run.statementMs);
  }
  const s = summary(service);
  const b = summary(bare);
  const st = summary(statementMs);
  return {
    open_invoices: invoices,
    customers,
    rounds,
    service_ms: s,
    bare_psql_ms: b,
    bare_statement_ms: st,
    ratio_p95: s.p95 / b.p95,
    ratio_median: s.median / b.median,
    ratio_to_statement_median: s.median / st.median,
    meets_goal: s.p95 < GOAL_MS && s.p95 / b.p95 <= GOAL_RATIO,
  };
}

export function describeAging(r: AgingResult): string {
  const ms = (n: number) => n.toFixed(0);
  return (
    `\nAR aging, ${r.open_invoices} open invoices over ${r.customers} customers, ${r.rounds} rounds: ` +
    `GET /v1/aging median ${ms(r.service_ms.median)} ms, p95 ${ms(r.service_ms.p95)} ms; ` +
    `bare psql -c median ${ms(r.bare_psql_ms.median)} ms, p95 ${ms(r.bare_psql_ms.p95)} ms ` +
    `(statement alone median ${ms(r.bare_statement_ms.median)} ms, p95 ${ms(r.bare_statement_ms.p95)} ms); ` +
    `ratio p95 ${r.ratio_p95.toFixed(2)}, median ${r.ratio_median.toFixed(2)} ` +
    `(to the statement alone ${r.ratio_to_statement_median.toFixed(2)}); ` +
    `seed 002 target ${SEED_TARGET_MS} ms p95 (alert ${SEED_ALERT_MS} ms) ${r.service_ms.p95 <= SEED_TARGET_MS ? 'met' : 'MISSED'}; ` +
    `goal < ${GOAL_MS} ms and ≤ ${GOAL_RATIO}x bare ${r.meets_goal ? 'met' : 'MISSED'}`
  );
}

/** The report's rows: p95 and median of `GET /v1/aging` beside the bare psql process running the same statement. */
export function agingFigures(r: AgingResult): Figure[] {
  const base = {
    module: 'invoices' as const,
    scenario: 'GET /v1/aging (today, due date: company totals + first 50 customers)',
    volume: `${count(r.open_invoices)} open invoices, ${count(r.customers)} customers`,
    work: 'volume' as const,
  };
  return [
    {
      ...base,
      measure: 'p95 ms (bare: psql -c)',
      service: r.service_ms.p95,
      baseline: r.bare_psql_ms.p95,
      target: `seed p95 ${SEED_TARGET_MS} ms / goal < ${GOAL_MS} ms and ≤ ${GOAL_RATIO}× bare`,
      met: r.meets_goal,
    },
    {
      ...base,
      measure: 'median ms (bare: statement alone)',
      service: r.service_ms.median,
      baseline: r.bare_statement_ms.median,
      target: null,
      met: null,
    },
  ];
}

if (require.main === module) {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/custops_bench';
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  seedAging(pool)
    .then(() => psql(databaseUrl, `EXPLAIN (ANALYZE, BUFFERS) ${statement(agingCompany(DEFAULT_VOLUME))}`))
    .then((run) => console.log(run.out))
    .finally(() => pool.end())
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
