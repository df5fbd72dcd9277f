import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { serviceEnv } from './support/processes';

const PROBLEM = /application\/problem\+json/;
const ROOT = join(__dirname, '..');
const REPORT = '/v1/reports/sessions';

/**
 * A fixed data set, written with SQL into a fresh company C, and figures computed by hand from it.
 * Times are UTC. The week under test is Monday 2025-03-03 to Monday 2025-03-10.
 *
 * Customers of C (created_at):
 *   A 2025-01-10, B 2025-01-12, Cc 2024-12-01 (long-time customers),
 *   I 2025-03-02 23:59:59 (just before the week), D 2025-03-04 09:00, E 2025-03-06 07:00 (deleted
 *   2025-03-08: still a registration), G 2025-03-09 23:59:59, H 2025-03-10 00:00 (just after the week).
 * Packages of C: Hourly 5000 KES, Daily 20000 KES, Weekly 500 USD.
 * Sessions of C (started → ended, reason; paid at the start unless said otherwise):
 *   S9  A Hourly  2025-01-15 10:00 → 11:00  session_timeout
 *   S10 B Hourly  2025-01-20 10:00 → 11:00  session_timeout
 *   S11 Cc Hourly 2024-12-20 10:00 → 11:00  session_timeout
 *   S12 Cc Hourly 2025-02-20 10:00 → 11:00  session_timeout
 *   S6  Cc Daily  03-02 22:00 → 03-03 22:00  session_timeout (expired)      86400 s
 *   S1  A Hourly  03-03 23:30 → 03-04 00:30  session_timeout (expired)       3600 s
 *   S2  D Daily   03-04 10:00 → 03-04 12:00  user_request                    7200 s
 *   S3  D Hourly  payment failed 03-05 09:00, never started
 *   S13 A Daily   03-05 20:00 → 03-06 00:00  lost_carrier (ends exactly at midnight) 14400 s
 *   S4  E Weekly  03-06 08:00 → 03-09 20:00  admin_reset                   302400 s
 *   S5  A Daily   voucher, 03-07 12:00, still active, never paid
 *   S14 D Weekly  03-08 15:00 → 03-08 16:00  user_request                    3600 s
 *   S7  D Hourly  03-09 23:30 → 03-10 00:30  session_timeout (expired)       3600 s
 *   S8  D Hourly  pending payment since 03-08: no figure at all
 * Hourly usage of C (in/out): 03-02 22:00 9999/9999, 03-03 23:00 1000/2000, 03-04 00:00 500/700,
 *   03-04 10:00 3000/4000, 03-04 11:00 1500/2500, 03-06 08:00 10000/20000, 03-09 23:00 100/200,
 *   03-10 00:00 7777/7777.
 * Company N (noise that must never show up in C's figures): a customer, a package, a paid session,
 *   usage, all in the same week.
 */
const CUSTOMERS_CREATED = {
  A: '2025-01-10T08:00:00Z',
  B: '2025-01-12T08:00:00Z',
  Cc: '2024-12-01T08:00:00Z',
  I: '2025-03-02T23:59:59Z',
  D: '2025-03-04T09:00:00Z',
  E: '2025-03-06T07:00:00Z',
  G: '2025-03-09T23:59:59Z',
  H: '2025-03-10T00:00:00Z',
};

type Revenue = Array<{ currency: string; amount_minor: number }>;
interface Figures {
  new_sessions: number;
  terminated_sessions: number;
  active_sessions: number;
  average_duration_seconds: number | null;
  data_bytes_in: number;
  data_bytes_out: number;
  payments_succeeded: number;
  payments_failed: number;
  payment_success_rate: number | null;
  new_registrations: number;
  voucher_sessions: number;
  revenue: Revenue;
}

const figures = (
  [
    new_sessions,
    terminated_sessions,
    active_sessions,
    average_duration_seconds,
    data_bytes_in,
    data_bytes_out,
    payments_succeeded,
    payments_failed,
    payment_success_rate,
    new_registrations,
    voucher_sessions,
  ]: [number, number, number, number | null, number, number, number, number, number | null, number, number],
  revenue: Revenue = [],
): Figures => ({
  new_sessions,
  terminated_sessions,
  active_sessions,
  average_duration_seconds,
  data_bytes_in,
  data_bytes_out,
  payments_succeeded,
  payments_failed,
  payment_success_rate,
  new_registrations,
  voucher_sessions,
  revenue,
});
const KES = (amount_minor: number) => ({ currency: 'KES', amount_minor });
const USD = (amount_minor: number) => ({ currency: 'USD', amount_minor });

/*
 * Day by day, 2025-03-03 to 2025-03-09. Columns: new, terminated, active at the day's end, average
 * duration, bytes in, bytes out, paid, failed, success rate, registrations, voucher sessions; revenue.
 * Active at 03-03 00:00: started before it (S6 S9 S10 S11 S12 = 5) − ended before it (S9 S10 S11 S12 = 4) = 1 (S6).
 */
const WEEK_DAYS: Array<[string, Figures]> = [
  // 03-03: S1 starts; S6 ends (86400); active at 03-04 00:00: S1 (ends 00:30) → 1; usage 23:00 row; S1 paid.
  ['2025-03-03', figures([1, 1, 1, 86400, 1000, 2000, 1, 0, 1, 0, 0], [KES(5000)])],
  // 03-04: S2 starts; S1 (3600) and S2 (7200) end → avg 10800 / 2 = 5400; active 1 + 1 − 2 = 0;
  // usage 500+3000+1500 = 5000 in, 700+4000+2500 = 7200 out; S2 paid 20000; D registers.
  ['2025-03-04', figures([1, 2, 0, 5400, 5000, 7200, 1, 0, 1, 1, 0], [KES(20000)])],
  // 03-05: S13 starts (paid 20000), S3 fails → rate 1 / 2; S13 ends exactly at 03-06 00:00: still active then → 1.
  ['2025-03-05', figures([1, 0, 1, null, 0, 0, 1, 1, 0.5, 0, 0], [KES(20000)])],
  // 03-06: S4 starts (paid 500 USD); S13 ends (14400); active 1 + 1 − 1 = 1 (S4); usage 08:00; E registers.
  ['2025-03-06', figures([1, 1, 1, 14400, 10000, 20000, 1, 0, 1, 1, 0], [USD(500)])],
  // 03-07: S5 starts from a voucher (no payment, no revenue); active S4 + S5 = 2.
  ['2025-03-07', figures([1, 0, 2, null, 0, 0, 0, 0, null, 0, 1])],
  // 03-08: S14 starts and ends (3600), paid 500 USD; active stays 2.
  ['2025-03-08', figures([1, 1, 2, 3600, 0, 0, 1, 0, 1, 0, 0], [USD(500)])],
  // 03-09: S7 starts (paid 5000); S4 ends (302400); active at 03-10 00:00: S5 and S7 (ends 00:30) = 2;
  // usage 23:00 row; G registers (23:59:59).
  ['2025-03-09', figures([1, 1, 2, 302400, 100, 200, 1, 0, 1, 1, 0], [KES(5000)])],
];

/*
 * The week in total: new 7 (S1 S2 S13 S4 S5 S14 S7); ended 6 (S6 S1 S2 S13 S14 S4); active at 03-10: 2;
 * average (86400 + 3600 + 7200 + 14400 + 3600 + 302400) / 6 = 417600 / 6 = 69600;
 * bytes in 1000 + 5000 + 10000 + 100 = 16100, out 2000 + 7200 + 20000 + 200 = 29400;
 * paid 6, failed 1 → rate 6 / 7; registrations D E G = 3; vouchers 1;
 * revenue KES 5000 + 20000 + 20000 + 5000 = 50000, USD 500 + 500 = 1000.
 */
const WEEK_TOTALS = figures([7, 6, 2, 69600, 16100, 29400, 6, 1, 6 / 7, 3, 1], [KES(50000), USD(1000)]);
/* Paid in the week by package: Daily S2 + S13 = 40000 KES, Hourly S1 + S7 = 10000 KES, Weekly S4 + S14 = 1000 USD. */
const WEEK_PACKAGES = [
  { package_name: 'Daily', currency: 'KES', sessions: 2, revenue_minor: 40000 },
  { package_name: 'Hourly', currency: 'KES', sessions: 2, revenue_minor: 10000 },
  { package_name: 'Weekly', currency: 'USD', sessions: 2, revenue_minor: 1000 },
];
/* Ended in the week: session_timeout S6 S1, user_request S2 S14, admin_reset S4, lost_carrier S13. */
const WEEK_REASONS = [
  { reason: 'session_timeout', count: 2 },
  { reason: 'user_request', count: 2 },
  { reason: 'admin_reset', count: 1 },
  { reason: 'lost_carrier', count: 1 },
];
/*
 * Churn, 30 days to 03-10 (since 02-08): previously active A (S9), B (S10), Cc (S11) = 3; since then A, Cc
 * (S12, S6), D, E started sessions → churned B = 1; rate 1 / 3.
 */
const WEEK_CHURN = {
  window_days: 30,
  previously_active_customers: 3,
  churned_customers: 1,
  churn_rate: 1 / 3,
};

describe('Sessions report (GET /v1/reports/sessions, CLI report)', () => {
  let t: TestApp;
  const companyId = randomUUID();
  const noiseCompanyId = randomUUID();
  let viewer: string;
  let foreign: string;
  let customerNumber = 0;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const report = (query: Record<string, string | number>, token = viewer) =>
    request(t.url).get(REPORT).query(query).set(as(token));

  const insertCustomer = async (company: string, createdAt: string, deletedAt: string | null = null) => {
    customerNumber += 1;
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO customers (company_id, customer_number, name, currency, source, created_at, updated_at, deleted_at)
       VALUES ($1, $2, $3, 'KES', 'api', $4, $4, $5) RETURNING id`,
      [company, `R${customerNumber}`, `Customer ${customerNumber}`, createdAt, deletedAt],
    );
    return rows[0].id;
  };
  const insertPackage = async (company: string, name: string, priceMinor: number, currency: string) => {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO session_packages (company_id, name, price_minor, currency, duration_seconds)
       VALUES ($1, $2, $3, $4, 3600) RETURNING id`,
      [company, name, priceMinor, currency],
    );
    return { id: rows[0].id, name, priceMinor, currency };
  };
  const insertSession = async (
    company: string,
    customerId: string,
    pkg: { id: string; name: string; priceMinor: number; currency: string },
    s: {
      status: 'pending_payment' | 'payment_failed' | 'active' | 'terminated' | 'expired';
      source?: 'purchase' | 'voucher';
      startedAt?: string;
      endedAt?: string;
      paid?: boolean;
      failedAt?: string;
      reason?: string;
      createdAt?: string;
    },
  ) => {
    const source = s.source ?? 'purchase';
    // A session still active expires in the future, or the app's expiry job would end it while we test.
    const paidAt = source === 'purchase' && s.startedAt && s.paid !== false ? s.startedAt : null;
    await t.db.query(
      `INSERT INTO wifi_sessions (company_id, customer_id, package_id, package_name, source, status, price_minor,
         currency, duration_seconds, paid_at, payment_failed_at, started_at, expires_at, ended_at,
         termination_reason, trace_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 3600, $9, $10, $11,
         CASE WHEN $6 = 'active' THEN now() + interval '30 days' ELSE $11::timestamptz + interval '1 hour' END,
         $12, $13, gen_random_uuid(), COALESCE($14, $11, $10, now()), now())`,
      [
        company,
        customerId,
        pkg.id,
        pkg.name,
        source,
        s.status,
        pkg.priceMinor,
        pkg.currency,
        paidAt,
        s.failedAt ?? null,
        s.startedAt ?? null,
        s.endedAt ?? null,
        s.reason ?? null,
        s.createdAt ?? null,
      ],
    );
  };
  const usage = (company: string, hour: string, bytesIn: number, bytesOut: number) =>
    t.db.query(
      `INSERT INTO session_usage_hourly (company_id, hour, bytes_in, bytes_out, reports) VALUES ($1, $2, $3, $4, 1)`,
      [company, hour, bytesIn, bytesOut],
    );

  beforeAll(async () => {
    t = await startTestApp();
    viewer = await t.token({ companyId, roles: ['viewer'] });
    foreign = await t.token({ companyId: randomUUID(), roles: ['admin'] });

    const c = CUSTOMERS_CREATED;
    const A = await insertCustomer(companyId, c.A);
    const B = await insertCustomer(companyId, c.B);
    const Cc = await insertCustomer(companyId, c.Cc);
    await insertCustomer(companyId, c.I);
    const D = await insertCustomer(companyId, c.D);
    const E = await insertCustomer(companyId, c.E, '2025-03-08T10:00:00Z');
    await insertCustomer(companyId, c.G);
    await insertCustomer(companyId, c.H);

    const hourly = await insertPackage(companyId, 'Hourly', 5000, 'KES');
    const daily = await insertPackage(companyId, 'Daily', 20000, 'KES');
    const weekly = await insertPackage(companyId, 'Weekly', 500, 'USD');

    const ended = (startedAt: string, endedAt: string, reason: string) => ({
      status: reason === 'session_timeout' ? ('expired' as const) : ('terminated' as const),
      startedAt,
      endedAt,
      reason,
    });
    await insertSession(
      companyId,
      A,
      hourly,
      ended('2025-01-15T10:00Z', '2025-01-15T11:00Z', 'session_timeout'),
    ); // S9
    await insertSession(
      companyId,
      B,
      hourly,
      ended('2025-01-20T10:00Z', '2025-01-20T11:00Z', 'session_timeout'),
    ); // S10
    await insertSession(
      companyId,
      Cc,
      hourly,
      ended('2024-12-20T10:00Z', '2024-12-20T11:00Z', 'session_timeout'),
    ); // S11
    await insertSession(
      companyId,
      Cc,
      hourly,
      ended('2025-02-20T10:00Z', '2025-02-20T11:00Z', 'session_timeout'),
    ); // S12
    await insertSession(
      companyId,
      Cc,
      daily,
      ended('2025-03-02T22:00Z', '2025-03-03T22:00Z', 'session_timeout'),
    ); // S6
    await insertSession(
      companyId,
      A,
      hourly,
      ended('2025-03-03T23:30Z', '2025-03-04T00:30Z', 'session_timeout'),
    ); // S1
    await insertSession(companyId, D, daily, ended('2025-03-04T10:00Z', '2025-03-04T12:00Z', 'user_request')); // S2
    await insertSession(companyId, D, hourly, { status: 'payment_failed', failedAt: '2025-03-05T09:00Z' }); // S3
    await insertSession(companyId, A, daily, ended('2025-03-05T20:00Z', '2025-03-06T00:00Z', 'lost_carrier')); // S13
    await insertSession(companyId, E, weekly, ended('2025-03-06T08:00Z', '2025-03-09T20:00Z', 'admin_reset')); // S4
    await insertSession(companyId, A, daily, {
      status: 'active',
      source: 'voucher',
      startedAt: '2025-03-07T12:00Z',
    }); // S5
    await insertSession(
      companyId,
      D,
      weekly,
      ended('2025-03-08T15:00Z', '2025-03-08T16:00Z', 'user_request'),
    ); // S14
    await insertSession(
      companyId,
      D,
      hourly,
      ended('2025-03-09T23:30Z', '2025-03-10T00:30Z', 'session_timeout'),
    ); // S7
    await insertSession(companyId, D, hourly, { status: 'pending_payment', createdAt: '2025-03-08T09:00Z' }); // S8

    for (const [hour, bytesIn, bytesOut] of [
      ['2025-03-02T22:00Z', 9999, 9999],
      ['2025-03-03T23:00Z', 1000, 2000],
      ['2025-03-04T00:00Z', 500, 700],
      ['2025-03-04T10:00Z', 3000, 4000],
      ['2025-03-04T11:00Z', 1500, 2500],
      ['2025-03-06T08:00Z', 10000, 20000],
      ['2025-03-09T23:00Z', 100, 200],
      ['2025-03-10T00:00Z', 7777, 7777],
    ] as const) {
      await usage(companyId, hour, bytesIn, bytesOut);
    }

    // Company N: the same kinds of rows in the same week, none of which may reach C's figures.
    const n = await insertCustomer(noiseCompanyId, '2025-03-05T10:00Z');
    const nPackage = await insertPackage(noiseCompanyId, 'Daily', 99900, 'EUR');
    await insertSession(
      noiseCompanyId,
      n,
      nPackage,
      ended('2025-03-05T10:00Z', '2025-03-05T11:00Z', 'idle_timeout'),
    );
    await insertSession(noiseCompanyId, n, nPackage, { status: 'active', startedAt: '2025-03-07T10:00Z' });
    await usage(noiseCompanyId, '2025-03-04T00:00Z', 123456, 654321);
  });
  afterAll(() => t?.close());

  it('reports a week by day, each figure as computed by hand', async () => {
    const res = await report({ from: '2025-03-03', to: '2025-03-10', interval: 'day' }).expect(200);
    expect(res.body).toMatchObject({
      from: '2025-03-03T00:00:00.000Z',
      to: '2025-03-10T00:00:00.000Z',
      interval: 'day',
      churn_days: 30,
    });
    expect(res.body.series).toHaveLength(7);
    res.body.series.forEach((bucket: Record<string, unknown>, i: number) => {
      const [date, expected] = WEEK_DAYS[i];
      const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();
      expect(bucket).toEqual({ start: `${date}T00:00:00.000Z`, end: next, ...expected });
    });
    expect(res.body.totals).toEqual(WEEK_TOTALS);
    expect(res.body.revenue_by_package).toEqual(
      WEEK_PACKAGES.map((p) => ({ ...p, package_id: expect.any(String) })),
    );
    expect(res.body.terminations_by_reason).toEqual(WEEK_REASONS);
    expect(res.body.churn).toEqual(WEEK_CHURN);
  });

  it('reports ISO weeks, the first and last clipped to the range, with another churn window', async () => {
    // Saturday 2025-03-01 to Wednesday 2025-03-12, 9-day churn window.
    const res = await report({
      from: '2025-03-01',
      to: '2025-03-12',
      interval: 'week',
      churn_days: 9,
    }).expect(200);
    expect(res.body.series.map((b: { start: string; end: string }) => [b.start, b.end])).toEqual([
      ['2025-03-01T00:00:00.000Z', '2025-03-03T00:00:00.000Z'],
      ['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z'],
      ['2025-03-10T00:00:00.000Z', '2025-03-12T00:00:00.000Z'],
    ]);
    // [03-01, 03-03): S6 starts and is paid (20000 KES), still on at 03-03 00:00 (active before 03-01: 4 − 4 = 0,
    // so 0 + 1); usage 03-02 22:00 row; I registers at 23:59:59.
    expect(res.body.series[0]).toMatchObject(
      figures([1, 0, 1, null, 9999, 9999, 1, 0, 1, 1, 0], [KES(20000)]),
    );
    // [03-03, 03-10): the week above.
    expect(res.body.series[1]).toMatchObject(WEEK_TOTALS);
    // [03-10, 03-12): S7 ends (3600); active 2 − 1 = 1 (S5); usage 03-10 00:00 row; H registers at 00:00.
    expect(res.body.series[2]).toMatchObject(figures([0, 1, 1, 3600, 7777, 7777, 0, 0, null, 1, 0]));
    // Totals: new 1 + 7 + 0 = 8; ended 0 + 6 + 1 = 7; active at 03-12: 1; average (417600 + 3600) / 7 =
    // 421200 / 7 = 60171.428…, to the millisecond 60171.429; bytes in 9999 + 16100 + 7777 = 33876,
    // out 9999 + 29400 + 7777 = 47176; paid 1 + 6 = 7, failed 1 → 7 / 8 = 0.875; registrations 1 + 3 + 1 = 5;
    // revenue KES 20000 + 50000 = 70000, USD 1000.
    expect(res.body.totals).toEqual(
      figures([8, 7, 1, 60171.429, 33876, 47176, 7, 1, 0.875, 5, 1], [KES(70000), USD(1000)]),
    );
    // Daily now has S6 too: 3 sessions, 60000.
    expect(
      res.body.revenue_by_package.map((p: Record<string, unknown>) => [
        p.package_name,
        p.sessions,
        p.revenue_minor,
      ]),
    ).toEqual([
      ['Daily', 3, 60000],
      ['Hourly', 2, 10000],
      ['Weekly', 2, 1000],
    ]);
    // S7 expires on 03-10: session_timeout 3.
    expect(res.body.terminations_by_reason).toEqual([
      { reason: 'session_timeout', count: 3 },
      { reason: 'user_request', count: 2 },
      { reason: 'admin_reset', count: 1 },
      { reason: 'lost_carrier', count: 1 },
    ]);
    // Since 03-03 (12 − 9): previously active A, B, Cc (S6 started 03-02) = 3; since then only A, D, E
    // started sessions → B and Cc churned: 2 / 3.
    expect(res.body.churn).toEqual({
      window_days: 9,
      previously_active_customers: 3,
      churned_customers: 2,
      churn_rate: 2 / 3,
    });
  });

  it("another tenant's token sees none of it", async () => {
    const res = await report({ from: '2025-03-03', to: '2025-03-10' }, foreign).expect(200);
    const zero = figures([0, 0, 0, null, 0, 0, 0, 0, null, 0, 0]);
    expect(res.body.totals).toEqual(zero);
    expect(res.body.series).toHaveLength(7);
    for (const bucket of res.body.series) expect(bucket).toMatchObject(zero);
    expect(res.body.revenue_by_package).toEqual([]);
    expect(res.body.terminations_by_reason).toEqual([]);
    expect(res.body.churn).toEqual({
      window_days: 30,
      previously_active_customers: 0,
      churned_customers: 0,
      churn_rate: null,
    });
  });

  it('is for staff: a customer token is refused', async () => {
    const customer = await t.token({ companyId, roles: ['customer'], customerId: randomUUID() });
    await report({ from: '2025-03-03', to: '2025-03-10' }, customer).expect(403);
  });

  it.each([
    ['to before from', { from: '2025-03-10', to: '2025-03-03' }, 'validation-failed', 'from'],
    ['an unknown interval', { interval: 'fortnight' }, 'validation-failed', 'interval'],
    ['a date that is not one', { from: '2025-02-30', to: '2025-03-03' }, 'validation-failed', 'from'],
    [
      'too many buckets',
      { from: '2025-01-01', to: '2025-03-01', interval: 'hour' }, // 59 days × 24 = 1416 hours
      'report-too-many-buckets',
      'interval',
    ],
    ['churn_days 0', { churn_days: 0 }, 'validation-failed', 'churn_days'],
    ['churn_days not a number', { churn_days: 'many' }, 'validation-failed', 'churn_days'],
  ])('answers %s with a 400 problem', async (_what, query, code, field) => {
    const res = await report(query).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 400, type: expect.stringMatching(new RegExp(`/${code}$`)) });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('the CLI writes the weekly CSV with the same figures and prints a summary', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sessions-report-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(ROOT, 'src', 'cli.ts'),
          'report',
          '--period',
          'weekly',
          '--company',
          companyId,
          '--as-of',
          '2025-03-12', // a Wednesday: the last complete week is 03-03 to 03-10
          '--out',
          out,
        ],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            ...serviceEnv(t.databaseUrl, { MIGRATIONS_RUN: 'false' }),
          },
          timeout: 110_000,
        },
      );
      const name = `sessions-weekly-2025-03-03-${companyId}.csv`;
      expect(await readdir(out)).toEqual([name]);
      const csv = await readFile(join(out, name), 'utf8');
      const cell = (v: number | null) => (v === null ? '' : String(v));
      const row = (date: string, f: Figures) =>
        [
          date,
          f.new_sessions,
          f.terminated_sessions,
          f.active_sessions,
          cell(f.average_duration_seconds),
          f.data_bytes_in,
          f.data_bytes_out,
          f.payments_succeeded,
          f.payments_failed,
          cell(f.payment_success_rate),
          f.new_registrations,
          f.revenue.find((r) => r.currency === 'KES')?.amount_minor ?? 0,
          f.revenue.find((r) => r.currency === 'USD')?.amount_minor ?? 0,
        ].join(',');
      expect(csv.split('\r\n')).toEqual([
        'date,new_sessions,terminated_sessions,active_sessions,average_duration_seconds,data_bytes_in,' +
          'data_bytes_out,payments_succeeded,payments_failed,payment_success_rate,new_registrations,' +
          'revenue_minor_KES,revenue_minor_USD',
        ...WEEK_DAYS.map(([date, f]) => row(date, f)),
        row('total', WEEK_TOTALS),
        '',
      ]);
      // The literal rows, as a reader of the file sees them.
      expect(csv).toContain('\r\n2025-03-05,1,0,1,,0,0,1,1,0.5,0,20000,0\r\n');
      expect(csv).toContain('\r\n2025-03-07,1,0,2,,0,0,0,0,,0,0,0\r\n');
      expect(csv).toContain(`\r\ntotal,7,6,2,69600,16100,29400,6,1,${String(6 / 7)},3,50000,1000\r\n`);

      expect(stdout).toContain('weekly, 2025-03-03 to 2025-03-09');
      expect(stdout).toContain('7 new (1 from vouchers), 6 ended, 2 active at the end');
      expect(stdout).toContain('6 succeeded, 1 failed (success rate 85.7%)');
      expect(stdout).toContain('KES 50000, USD 1000');
      expect(stdout).toContain(
        '1. Daily: KES 40000 from 2 sessions; 2. Hourly: KES 10000 from 2 sessions; 3. Weekly: USD 1000 from 2 sessions',
      );
      expect(stdout).toContain('Churn (30 days): 1 of 3 previously active customers (33.3%)');
      expect(stdout).toContain(join(out, name));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
