/**
 * A customer statement at volume (issue 8): a 12-month statement of 2,000 lines (1,000 invoices, 980
 * allocations, 20 voids, plus a month of history before the period for the opening balance) for one
 * customer of a company that also has 10,000 other customers with 100,000 invoices (BENCH_STATEMENT_NOISE),
 * so the indexes have to find one customer's rows among many. Seeded once, set-based; later runs reuse it.
 *
 * Each round times, in this process, what the worker does for a statement: InvoicesService.customerLedger
 * (the ledger statement and the customer's aging, on the real repository classes) and then the PDF
 * render (renderPdf) or the CSV render; beside a bare baseline, the same ledger SQL run through pg and
 * nothing else. Medians over BENCH_STATEMENT_ROUNDS (10). The goal is under 300 ms (seed 002: 2 s).
 *
 * Run alone: `node -r @swc-node/register bench/statements.ts` (DATABASE_URL set, migrated); it also
 * prints the ledger statement's EXPLAIN (ANALYZE, BUFFERS).
 */
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AgingRepository } from '../src/modules/invoices/aging/aging.repository';
import type { AllocatePayment } from '../src/modules/invoices/ledger/allocate-payment';
import { StatementLedger, statementLedgerStatement } from '../src/modules/invoices/ledger/statement-ledger';
import { AGING_BUCKETS, InvoicesService } from '../src/modules/invoices/invoices.service';
import { renderCsv } from '../src/modules/statements/statement-csv';
import {
  StatementDocument,
  statementLines,
  statementTotals,
} from '../src/modules/statements/statement-document';
import { monthsPeriod, utcDay } from '../src/modules/statements/statement-period';
import { renderPdf, statementPages } from '../src/modules/statements/statement-pdf';
import { SystemClock } from '../src/platform/clock/clock';
import { companyForVolume, count, type Figure } from './figures';

export const STATEMENT_COMPANY_ID = 'b0000000-0000-4000-8000-00000057a7e0';
const STATEMENT_CUSTOMER_NUMBER = 'ST-BIG';
const INVOICES = 1000;
const NOISE_INVOICES = Number(process.env.BENCH_STATEMENT_NOISE ?? 100_000);
const ROUNDS = Number(process.env.BENCH_STATEMENT_ROUNDS ?? 10);
/** The company for `noise` other invoices: the fixed bench company at the default, one of its own at any other. */
const statementCompany = (noise: number): string =>
  companyForVolume(STATEMENT_COMPANY_ID, noise, NOISE_INVOICES);
const SEED_TARGET_MS = 2000;
const GOAL_MS = 300;

export interface StatementBenchResult {
  /** Other customers' invoices in the company (10 each). */
  noise_invoices: number;
  lines: number;
  pages: number;
  pdf_bytes: number;
  csv_bytes: number;
  rounds: number;
  data_ms: number;
  data_pdf_ms: number;
  data_csv_ms: number;
  bare_sql_ms: number;
  ratio_pdf_to_bare: number;
  meets_goal: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The statement's period: the 12 months ending with the last full month. */
const period = () => monthsPeriod(12, utcDay(new Date()));

async function seed(db: DataSource, companyId: string, noiseInvoices: number): Promise<string> {
  const noiseCustomers = Math.max(1, Math.round(noiseInvoices / 10));
  await db.query(
    `INSERT INTO companies (id, name) VALUES ($1, 'Statement bench') ON CONFLICT (id) DO NOTHING`,
    [companyId],
  );
  // No reminders for this company (the bench worker's dunning scan would otherwise pick it up).
  await db.query(
    `INSERT INTO invoice_reminder_schedules (company_id, offsets_days, updated_by, updated_at)
     VALUES ($1, '{}', 'bench', now()) ON CONFLICT (company_id) DO UPDATE SET offsets_days = '{}'`,
    [companyId],
  );
  const { from } = period();
  const existing = await db.query<Array<{ id: string; from: string }>>(
    `SELECT c.id, c.metadata->>'period_from' AS from FROM customers c
      WHERE c.company_id = $1 AND c.customer_number = $2`,
    [companyId, STATEMENT_CUSTOMER_NUMBER],
  );
  if (existing[0]?.from === from) return existing[0].id;
  process.stderr.write(`bench: seeding a 2,000-line statement among ${noiseInvoices} other invoices\n`);
  await db.query(`DELETE FROM invoice_allocations WHERE company_id = $1`, [companyId]);
  await db.query(`DELETE FROM invoices WHERE company_id = $1`, [companyId]);
  await db.query(`DELETE FROM customers WHERE company_id = $1`, [companyId]);
  const [big] = await db.query<Array<{ id: string }>>(
    `INSERT INTO customers (company_id, customer_number, name, currency, source, metadata, billing_address)
     VALUES ($1, $2, 'Statement Bench Customer Ltd', 'KES', 'import', jsonb_build_object('period_from', $3::text),
             '{"line1": "1 Bench Road", "city": "Nairobi", "country": "KE"}')
     RETURNING id`,
    [companyId, STATEMENT_CUSTOMER_NUMBER, from],
  );
  await db.query(
    `INSERT INTO customers (company_id, customer_number, name, currency, source)
     SELECT $1, 'ST-' || lpad(i::text, 6, '0'), 'Noise ' || i, 'KES', 'import' FROM generate_series(1, $2::int) i`,
    [companyId, noiseCustomers],
  );
  // The big customer: 40 invoices in the month before the period (the opening balance), then 1,000
  // spread over the period's 12 months; every 50th voided 3 days after issue, the others half paid 5
  // days after issue (never after the period's end).
  await db.query(
    `WITH s AS (
       SELECT i, CASE WHEN i <= 40 THEN $3::date - 31 + (i % 28) ELSE $3::date + ((i - 41) * 364 / ($4::int)) END AS issue,
              1000 + (i::bigint * 7919 % 90000) AS total, i > 40 AND i % 50 = 0 AS voided
         FROM generate_series(1, $4::int + 40) i)
     INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date, issued_at,
                           subtotal_minor, tax_minor, total_minor, allocated_minor, balance_minor, voided_at, void_reason)
     SELECT $1, $2, 'STB-' || lpad(i::text, 6, '0'), 'KES', CASE WHEN voided THEN 'void' ELSE 'partially_paid' END,
            issue, issue + 30, issue::timestamp AT TIME ZONE 'UTC', total, 0, total,
            CASE WHEN voided THEN 0 ELSE total / 2 END, CASE WHEN voided THEN 0 ELSE total - total / 2 END,
            CASE WHEN voided THEN (issue + 3)::timestamp AT TIME ZONE 'UTC' END, CASE WHEN voided THEN 'bench' END
       FROM s`,
    [companyId, big.id, from, INVOICES],
  );
  await db.query(
    `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on, source)
     SELECT company_id, id, customer_id, allocated_minor, currency, issue_date + 5, 'payment'
       FROM invoices WHERE company_id = $1 AND customer_id = $2 AND allocated_minor > 0`,
    [companyId, big.id],
  );
  // The others: 10 invoices each over the same months, every other one half paid.
  await db.query(
    `WITH c AS (SELECT id, row_number() OVER (ORDER BY customer_number) AS n FROM customers
                 WHERE company_id = $1 AND customer_number <> $2)
     INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date, issued_at,
                           subtotal_minor, tax_minor, total_minor, allocated_minor, balance_minor)
     SELECT $1, c.id, 'STN-' || lpad(i::text, 7, '0'), 'KES', CASE WHEN i % 2 = 0 THEN 'partially_paid' ELSE 'open' END,
            $3::date + (i % 360), $3::date + (i % 360) + 30, ($3::date + (i % 360))::timestamp AT TIME ZONE 'UTC',
            5000, 0, 5000, CASE WHEN i % 2 = 0 THEN 2500 ELSE 0 END, CASE WHEN i % 2 = 0 THEN 2500 ELSE 5000 END
       FROM generate_series(1, $4::int) i JOIN c ON c.n = 1 + i % $5`,
    [companyId, STATEMENT_CUSTOMER_NUMBER, from, noiseInvoices, noiseCustomers],
  );
  await db.query(
    `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on, source)
     SELECT company_id, id, customer_id, allocated_minor, currency, issue_date + 5, 'manual'
       FROM invoices WHERE company_id = $1 AND customer_id <> $2 AND allocated_minor > 0`,
    [companyId, big.id],
  );
  await db.query(`VACUUM (ANALYZE) invoices`);
  await db.query(`VACUUM (ANALYZE) invoice_allocations`);
  await db.query(`ANALYZE customers`);
  return big.id;
}

function services(db: DataSource) {
  const ledger = new StatementLedger(db);
  const invoices = new InvoicesService(
    db,
    undefined as unknown as AllocatePayment,
    ledger,
    new AgingRepository(db),
    new SystemClock(),
  );
  return { invoices };
}

async function documentOf(
  invoices: InvoicesService,
  companyId: string,
  customerId: string,
): Promise<StatementDocument> {
  const { from, to } = period();
  const ledger = await invoices.customerLedger({
    companyId,
    customerId,
    currency: 'KES',
    from,
    to,
  });
  const lines = statementLines(ledger.openingMinor, ledger.entries);
  return {
    statementId: '00000000-0000-4000-8000-000000000000',
    companyName: 'Statement bench',
    customer: {
      name: 'Statement Bench Customer Ltd',
      number: STATEMENT_CUSTOMER_NUMBER,
      address: { line1: '1 Bench Road', city: 'Nairobi', country: 'KE' },
    },
    currency: 'KES',
    from,
    to,
    openingMinor: ledger.openingMinor,
    lines,
    ...statementTotals(ledger.openingMinor, lines),
    aging: AGING_BUCKETS.map((bucket) => ({
      bucket,
      amountMinor: BigInt(ledger.aging.buckets[bucket].amount_minor),
    })),
    agingTotalMinor: BigInt(ledger.aging.total_minor),
    generatedAt: new Date(),
  };
}

export async function measureStatements(
  databaseUrl: string,
  noiseInvoices = NOISE_INVOICES,
  rounds = ROUNDS,
): Promise<StatementBenchResult> {
  const companyId = statementCompany(noiseInvoices);
  const db = await new DataSource({ type: 'postgres', url: databaseUrl, extra: { max: 4 } }).initialize();
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const customerId = await seed(db, companyId, noiseInvoices);
    const { invoices } = services(db);
    const { text, values } = statementLedgerStatement({
      companyId,
      customerId,
      currency: 'KES',
      ...period(),
    });
    // Warm-up: plans, caches and the PDF code paths.
    let doc = await documentOf(invoices, companyId, customerId);
    await renderPdf(doc);
    await pool.query(text, values);

    const data: number[] = [];
    const withPdf: number[] = [];
    const withCsv: number[] = [];
    const bare: number[] = [];
    let pdfBytes = 0;
    let csvBytes = 0;
    for (let round = 0; round < rounds; round += 1) {
      let started = performance.now();
      await pool.query(text, values);
      bare.push(performance.now() - started);

      started = performance.now();
      doc = await documentOf(invoices, companyId, customerId);
      data.push(performance.now() - started);
      pdfBytes = (await renderPdf(doc)).length;
      withPdf.push(performance.now() - started);

      started = performance.now();
      doc = await documentOf(invoices, companyId, customerId);
      csvBytes = renderCsv(doc).length;
      withCsv.push(performance.now() - started);
    }
    const result = {
      noise_invoices: noiseInvoices,
      lines: doc.lines.length,
      pages: statementPages(doc.lines.length),
      pdf_bytes: pdfBytes,
      csv_bytes: csvBytes,
      rounds,
      data_ms: median(data),
      data_pdf_ms: median(withPdf),
      data_csv_ms: median(withCsv),
      bare_sql_ms: median(bare),
      ratio_pdf_to_bare: median(withPdf) / median(bare),
      meets_goal: median(withPdf) < GOAL_MS && median(withCsv) < GOAL_MS,
    };
    return result;
  } finally {
    await pool.end();
    await db.destroy();
  }
}

export function describeStatements(r: StatementBenchResult): string {
  const ms = (n: number) => n.toFixed(1);
  return (
    `\nCustomer statement, 12 months, ${r.lines} lines (${r.pages} PDF pages, ${r.pdf_bytes} bytes; CSV ${r.csv_bytes} bytes), ` +
    `medians of ${r.rounds}: data (ledger + aging) ${ms(r.data_ms)} ms; data + PDF ${ms(r.data_pdf_ms)} ms; ` +
    `data + CSV ${ms(r.data_csv_ms)} ms; bare ledger SQL through pg ${ms(r.bare_sql_ms)} ms ` +
    `(PDF path ${r.ratio_pdf_to_bare.toFixed(1)}x bare); seed 002 target ${SEED_TARGET_MS} ms ` +
    `${r.data_pdf_ms <= SEED_TARGET_MS ? 'met' : 'MISSED'}; goal < ${GOAL_MS} ms ${r.meets_goal ? 'met' : 'MISSED'}`
  );
}

/** The report's rows: the statement with its PDF, with its CSV, and its data alone, beside the bare ledger SQL. */
export function statementFigures(r: StatementBenchResult): Figure[] {
  const base = {
    module: 'statements' as const,
    scenario: `12-month statement of one customer, ${count(r.lines)} lines`,
    volume: `${count(r.noise_invoices)} other invoices`,
    baseline: r.bare_sql_ms,
    work: 'fixed' as const,
  };
  const target = `seed ${SEED_TARGET_MS} ms / goal < ${GOAL_MS} ms`;
  return [
    {
      ...base,
      measure: `data + PDF (${r.pages} pages) median ms (bare: ledger SQL)`,
      service: r.data_pdf_ms,
      target,
      met: r.data_pdf_ms < GOAL_MS,
    },
    {
      ...base,
      measure: 'data + CSV median ms (bare: ledger SQL)',
      service: r.data_csv_ms,
      target,
      met: r.data_csv_ms < GOAL_MS,
    },
    {
      ...base,
      measure: 'data (ledger + aging) median ms (bare: ledger SQL)',
      service: r.data_ms,
      target: null,
      met: null,
    },
  ];
}

if (require.main === module) {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/custops_bench';
  (async () => {
    const result = await measureStatements(databaseUrl);
    console.log(describeStatements(result));
    const db = new Pool({ connectionString: databaseUrl, max: 1 });
    const [{ id }] = (
      await db.query<{ id: string }>(
        `SELECT id FROM customers WHERE company_id = $1 AND customer_number = $2`,
        [STATEMENT_COMPANY_ID, STATEMENT_CUSTOMER_NUMBER],
      )
    ).rows;
    const { text, values } = statementLedgerStatement({
      companyId: STATEMENT_COMPANY_ID,
      customerId: id,
      currency: 'KES',
      ...period(),
    });
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    console.log(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
    await db.end();
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
