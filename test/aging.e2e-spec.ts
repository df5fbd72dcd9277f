import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AgingNightly } from '../src/modules/invoices/aging/aging-nightly';
import { AgingSnapshotsService } from '../src/modules/invoices/aging/aging-snapshots.service';
import { AgingRepository } from '../src/modules/invoices/aging/aging.repository';
import type { DomainEvent } from '../src/platform/events/domain-event';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { waitFor } from './support/wait';

/**
 * AR aging against hand-computed figures. Invoices and allocations are written with SQL (the ledger's
 * API is another module's), respecting the table's checks. "Today" is 2026-11-23 (the clock's UTC date).
 * Amounts are distinct powers of two times 1,000, so every sum below says which invoices it holds.
 */
const TODAY = '2026-11-23';
const DAY_MS = 86_400_000;
/** The calendar date `n` days before TODAY (negative: after). */
const daysAgo = (n: number, from = TODAY): string =>
  new Date(Date.parse(`${from}T00:00:00Z`) - n * DAY_MS).toISOString().slice(0, 10);

type Bucket = 'current' | '1-30' | '31-60' | '61-90' | '90+';
type Expected = Partial<Record<Bucket, [amount: number, invoices: number]>>;

/** The answer's bucket object for a hand-written expectation (unlisted buckets are zero). */
const buckets = (expected: Expected) =>
  Object.fromEntries(
    (['current', '1-30', '31-60', '61-90', '90+'] as const).map((b) => [
      b,
      { amount_minor: expected[b]?.[0] ?? 0, invoices: expected[b]?.[1] ?? 0 },
    ]),
  );
const sum = (expected: Expected) =>
  Object.values(expected).reduce(
    (acc, [amount, n]) => ({ total_minor: acc.total_minor + amount, invoices: acc.invoices + n }),
    { total_minor: 0, invoices: 0 },
  );
const line = (currency: string, expected: Expected) => ({
  currency,
  buckets: buckets(expected),
  ...sum(expected),
});

describe('AR aging (issue 7)', () => {
  let t: TestApp;
  const clock = new ManualClock(new Date(`${TODAY}T10:00:00Z`));
  const companyId = randomUUID();
  const otherCompanyId = randomUUID();
  let viewer: string;
  let agent: string;
  let otherAgent: string;
  let invoiceSeq = 0;
  const customers: Record<'c1' | 'c2' | 'c3' | 'c4' | 'foreign', string> = {
    c1: '',
    c2: '',
    c3: '',
    c4: '',
    foreign: '',
  };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  async function customer(company: string, name: string, currency = 'KES'): Promise<string> {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO customers (company_id, customer_number, name, currency, source)
       VALUES ($1, $2, $3, $4, 'api') RETURNING id`,
      [company, `CUST-${name}`, name, currency],
    );
    return rows[0].id;
  }

  /**
   * An invoice as the ledger would leave it: status from the allocations (open, partially_paid, paid),
   * void with a zero balance when voided, or a draft.
   */
  async function invoice(input: {
    company?: string;
    customer: string;
    currency?: string;
    total: number;
    issue: string;
    due: string;
    allocations?: Array<[amount: number, on: string]>;
    voidedAt?: string;
    draft?: boolean;
  }): Promise<string> {
    const company = input.company ?? companyId;
    const currency = input.currency ?? 'KES';
    const allocated = (input.allocations ?? []).reduce((s, [amount]) => s + amount, 0);
    const status = input.draft
      ? 'draft'
      : input.voidedAt
        ? 'void'
        : allocated === 0
          ? 'open'
          : allocated < input.total
            ? 'partially_paid'
            : 'paid';
    invoiceSeq += 1;
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date,
                             issued_at, subtotal_minor, tax_minor, total_minor, allocated_minor, balance_minor,
                             voided_at, void_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $9, $10, $11, $12, $13) RETURNING id`,
      [
        company,
        input.customer,
        `INV-${invoiceSeq}`,
        currency,
        status,
        input.issue,
        input.due,
        input.draft ? null : `${input.issue}T09:00:00Z`,
        input.total,
        allocated,
        status === 'void' ? 0 : input.total - allocated,
        input.voidedAt ?? null,
        input.voidedAt ? 'issued in error' : null,
      ],
    );
    for (const [amount, on] of input.allocations ?? []) {
      await allocate(rows[0].id, {
        company,
        customer: input.customer,
        currency,
        amount,
        on,
        updateInvoice: false,
      });
    }
    return rows[0].id;
  }

  async function allocate(
    invoiceId: string,
    a: {
      company?: string;
      customer: string;
      currency?: string;
      amount: number;
      on: string;
      updateInvoice?: boolean;
    },
  ): Promise<void> {
    await t.db.query(
      `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on, source)
       VALUES ($1, $2, $3, $4, $5, $6, 'manual')`,
      [a.company ?? companyId, invoiceId, a.customer, a.amount, a.currency ?? 'KES', a.on],
    );
    if (a.updateInvoice === false) return;
    await t.db.query(
      `UPDATE invoices SET allocated_minor = allocated_minor + $2, balance_minor = balance_minor - $2,
              status = CASE WHEN balance_minor - $2 = 0 THEN 'paid' ELSE 'partially_paid' END
        WHERE id = $1`,
      [invoiceId, a.amount],
    );
  }

  const aging = (token: string, query: Record<string, string | number> = {}) =>
    request(t.url).get('/v1/aging').query(query).set(as(token));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    viewer = await t.token({ companyId, roles: ['viewer'] });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    otherAgent = await t.token({ companyId: otherCompanyId, roles: ['agent'] });
    customers.c1 = await customer(companyId, 'Edges');
    customers.c2 = await customer(companyId, 'Partial');
    customers.c3 = await customer(companyId, 'History');
    customers.c4 = await customer(companyId, 'Issued');
    customers.foreign = await customer(otherCompanyId, 'Foreign');

    // c1: one invoice at every bucket edge, by days past due.
    const edges: Array<[daysPastDue: number, amount: number]> = [
      [-10, 2_000],
      [0, 1_000],
      [1, 4_000],
      [30, 8_000],
      [31, 16_000],
      [60, 32_000],
      [61, 64_000],
      [90, 128_000],
      [91, 256_000],
    ];
    for (const [days, amount] of edges) {
      await invoice({ customer: customers.c1, total: amount, issue: daysAgo(days + 30), due: daysAgo(days) });
    }
    // c2: partly paid twice (3,000 on 11-01, 2,000 on 11-20), due 11-13; and a USD invoice 40 days past due.
    await invoice({
      customer: customers.c2,
      total: 10_000,
      issue: '2026-10-14',
      due: '2026-11-13',
      allocations: [
        [3_000, '2026-11-01'],
        [2_000, '2026-11-20'],
      ],
    });
    await invoice({
      customer: customers.c2,
      currency: 'USD',
      total: 50_000,
      issue: '2026-09-14',
      due: daysAgo(40),
    });
    // c3: what changed after the past dates asked about.
    await invoice({
      customer: customers.c3,
      total: 7_000,
      issue: '2026-09-01',
      due: '2026-10-01',
      allocations: [[7_000, '2026-11-15']],
    }); // paid on 11-15
    await invoice({
      customer: customers.c3,
      total: 9_000,
      issue: '2026-09-01',
      due: '2026-10-01',
      voidedAt: '2026-11-12T15:00:00Z',
    }); // voided on 11-12
    await invoice({ customer: customers.c3, total: 3_000, issue: '2026-11-15', due: '2026-12-15' }); // issued 11-15
    await invoice({
      customer: customers.c3,
      total: 100_000,
      issue: '2026-09-01',
      due: '2026-10-01',
      voidedAt: '2026-09-10T08:00:00Z',
    }); // voided long ago
    await invoice({
      customer: customers.c3,
      total: 200_000,
      issue: '2026-09-01',
      due: '2026-10-01',
      draft: true,
    });
    // c4: by issue date, every edge (due far ahead, so all current by due date).
    for (const [days, amount] of [
      [0, 1],
      [1, 2],
      [30, 4],
      [31, 8],
      [90, 16],
      [91, 32],
    ] as const) {
      await invoice({
        customer: customers.c4,
        total: amount,
        issue: daysAgo(days),
        due: daysAgo(days - 120),
      });
    }
    // Another tenant's receivables.
    await invoice({
      company: otherCompanyId,
      customer: customers.foreign,
      total: 999_000,
      issue: '2026-01-01',
      due: '2026-02-01',
    });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('live report', () => {
    it('puts each invoice in exactly one bucket at every edge (due today, 1, 30, 31, 60, 61, 90, 91 days)', async () => {
      const res = await aging(viewer, { customer_id: customers.c1 }).expect(200);
      const expected = line('KES', {
        current: [3_000, 2],
        '1-30': [12_000, 2],
        '31-60': [48_000, 2],
        '61-90': [192_000, 2],
        '90+': [256_000, 1],
      });
      expect(res.body).toMatchObject({
        as_of: TODAY,
        basis: 'due_date',
        customer_id: customers.c1,
        buckets: ['current', '1-30', '31-60', '61-90', '90+'],
        next_cursor: null,
      });
      expect(res.body.totals).toEqual([expected]);
      expect(res.body.data).toEqual([
        { customer_id: customers.c1, customer_number: 'CUST-Edges', name: 'Edges', ...expected },
      ]);
    });

    it('ages from the issue date with basis=issue_date', async () => {
      const byIssue = await aging(viewer, { customer_id: customers.c4, basis: 'issue_date' }).expect(200);
      expect(byIssue.body.basis).toBe('issue_date');
      expect(byIssue.body.totals).toEqual([
        line('KES', { current: [1, 1], '1-30': [6, 2], '31-60': [8, 1], '61-90': [16, 1], '90+': [32, 1] }),
      ]);
      const byDue = await aging(viewer, { customer_id: customers.c4 }).expect(200);
      expect(byDue.body.totals).toEqual([line('KES', { current: [63, 6] })]);
    });

    it('totals the company per currency, with partial allocations at their balance', async () => {
      const res = await aging(viewer, { limit: 200 }).expect(200);
      expect(res.body.totals).toEqual([
        line('KES', {
          // c1 3,000 (2) + c3 3,000 (issued 11-15) + c4 63 (6)
          current: [6_063, 9],
          // c1 12,000 (2) + c2 5,000 (10,000 less 3,000 and 2,000, due 11-13: 10 days)
          '1-30': [17_000, 3],
          '31-60': [48_000, 2],
          '61-90': [192_000, 2],
          '90+': [256_000, 1],
        }),
        line('USD', { '31-60': [50_000, 1] }),
      ]);
      const c2 = res.body.data.filter((row: { customer_id: string }) => row.customer_id === customers.c2);
      expect(c2).toEqual([
        expect.objectContaining(line('KES', { '1-30': [5_000, 1] })),
        expect.objectContaining(line('USD', { '31-60': [50_000, 1] })),
      ]);
      // Another tenant's 999,000 is nowhere.
      expect(JSON.stringify(res.body)).not.toContain('999000');
      expect(res.body.data.map((r: { customer_id: string }) => r.customer_id)).not.toContain(
        customers.foreign,
      );
    });

    it('pages customers by (customer, currency) with an opaque cursor', async () => {
      const all = (await aging(viewer, { limit: 200 }).expect(200)).body.data as Array<{
        customer_id: string;
        currency: string;
      }>;
      expect(all).toHaveLength(5); // c1, c2 KES, c2 USD, c3, c4
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await aging(viewer, { limit: 2, ...(cursor ? { cursor } : {}) }).expect(200);
        expect(page.body.totals).toHaveLength(2);
        seen.push(
          ...page.body.data.map(
            (r: { customer_id: string; currency: string }) => `${r.customer_id}/${r.currency}`,
          ),
        );
        cursor = page.body.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all.map((r) => `${r.customer_id}/${r.currency}`));
    });
  });

  describe('as of a past date', () => {
    it('counts what was owed then: paid later still owed, voided later still counted, issued later not', async () => {
      // 11-10: c3's 7,000 (paid 11-15) and 9,000 (voided 11-12) were 40 days past due; the 3,000 was not issued.
      const res = await aging(viewer, { customer_id: customers.c3, as_of: '2026-11-10' }).expect(200);
      expect(res.body.totals).toEqual([line('KES', { '31-60': [16_000, 2] })]);
      // 11-11 still counts the void of 11-12; on 11-12 it is voided.
      const before = await aging(viewer, { customer_id: customers.c3, as_of: '2026-11-11' }).expect(200);
      expect(before.body.totals).toEqual([line('KES', { '31-60': [16_000, 2] })]);
      const voidDay = await aging(viewer, { customer_id: customers.c3, as_of: '2026-11-12' }).expect(200);
      expect(voidDay.body.totals).toEqual([line('KES', { '31-60': [7_000, 1] })]);
      // Today: only the invoice issued on 11-15 (current).
      const today = await aging(viewer, { customer_id: customers.c3 }).expect(200);
      expect(today.body.totals).toEqual([line('KES', { current: [3_000, 1] })]);
    });

    it('applies only the allocations dated on or before the as-of date', async () => {
      const at = async (asOf: string) =>
        (await aging(viewer, { customer_id: customers.c2, as_of: asOf }).expect(200)).body.totals[0];
      // Due 11-13. On 10-31 nothing was paid yet; on 11-10 3,000; on 11-19 still 3,000; on 11-20 5,000.
      expect(await at('2026-10-31')).toEqual(line('KES', { current: [10_000, 1] }));
      expect(await at('2026-11-10')).toEqual(line('KES', { current: [7_000, 1] }));
      expect(await at('2026-11-19')).toEqual(line('KES', { '1-30': [7_000, 1] }));
      expect(await at('2026-11-20')).toEqual(line('KES', { '1-30': [5_000, 1] }));
    });

    it('rebuilds older dates from the history (past the ledger roll-back window)', async () => {
      // 09-15, 69 days back: c3's 7,000 and 9,000 (issued 09-01, due 10-01) were current; the
      // 100,000 was voided on 09-10, the 200,000 is a draft.
      const res = await aging(viewer, { customer_id: customers.c3, as_of: '2026-09-15' }).expect(200);
      expect(res.body.totals).toEqual([line('KES', { current: [16_000, 2] })]);
      const early = await aging(viewer, { customer_id: customers.c3, as_of: '2026-09-05' }).expect(200);
      expect(early.body.totals).toEqual([line('KES', { current: [116_000, 3] })]);
      const beforeAll = await aging(viewer, { as_of: '2020-01-01' }).expect(200);
      expect(beforeAll.body).toMatchObject({ totals: [], data: [], next_cursor: null });
    });

    it('gives the same figures whether it rolls the open ledger back or rebuilds history', async () => {
      const repository = t.app.get(AgingRepository);
      const dates = [
        '2026-09-05',
        '2026-09-15',
        '2026-10-31',
        '2026-11-01',
        '2026-11-10',
        '2026-11-11',
        '2026-11-12',
        '2026-11-15',
        '2026-11-20',
        TODAY,
        '2027-03-01',
      ];
      for (const asOf of dates) {
        for (const basis of ['due_date', 'issue_date'] as const) {
          const scope = { companyId, asOf, basis };
          const ledger = await repository.report({ ...scope, path: 'ledger' }, { limit: 200 });
          const history = await repository.report({ ...scope, path: 'history' }, { limit: 200 });
          expect({ asOf, basis, rows: ledger }).toEqual({ asOf, basis, rows: history });
        }
      }
    });
  });

  describe('access and bad input', () => {
    it("answers 404 for another tenant's customer, exactly as for a missing one", async () => {
      const foreign = await aging(agent, { customer_id: customers.foreign }).expect(404);
      const missing = await aging(agent, { customer_id: randomUUID() }).expect(404);
      expect(foreign.body.title).toBe(missing.body.title);
      await request(t.url).get(`/v1/aging/customers/${customers.foreign}`).set(as(agent)).expect(404);
      // The other tenant sees only its own receivables.
      const theirs = await aging(otherAgent).expect(200);
      expect(theirs.body.totals).toEqual([line('KES', { '90+': [999_000, 1] })]);
    });

    it.each([
      [{ as_of: '2026-02-30' }, 'as_of'],
      [{ as_of: '23-11-2026' }, 'as_of'],
      [{ as_of: '2026-11-23T00:00:00Z' }, 'as_of'],
      [{ basis: 'invoice_date' }, 'basis'],
      [{ customer_id: 'nope' }, 'customer_id'],
      [{ limit: 0 }, 'limit'],
      [{ cursor: 'forged' }, 'cursor'],
    ])('refuses %p with a 400 problem naming %s', async (query, field) => {
      const res = await aging(viewer, query).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses a bad snapshot request and writes nothing', async () => {
      for (const body of [{ basis: 'weekly' }, { as_of: '2026-13-01' }, { as_of: TODAY, extra: 1 }]) {
        await request(t.url).post('/v1/aging/snapshots').set(as(agent)).send(body).expect(400);
      }
      await request(t.url).post('/v1/aging/snapshots').set(as(viewer)).send({}).expect(403);
      const { rows } = await t.db.query('SELECT 1 FROM aging_snapshots WHERE company_id = $1', [companyId]);
      expect(rows).toHaveLength(0);
    });
  });

  describe('snapshots', () => {
    const poll = (token: string, id: string, query: Record<string, string | number> = {}) =>
      waitFor(
        async () => {
          const res = await request(t.url)
            .get(`/v1/aging/snapshots/${id}`)
            .query(query)
            .set(as(token))
            .expect(200);
          return res.body.status === 'done' ? res.body : undefined;
        },
        { what: `snapshot ${id} done` },
      );

    it('takes an on-demand snapshot in the worker: 202, then done with the figures of the live query', async () => {
      const accepted = await request(t.url).post('/v1/aging/snapshots').set(as(agent)).send({}).expect(202);
      expect(accepted.body).toMatchObject({
        status: 'pending',
        as_of: TODAY,
        basis: 'due_date',
        trigger: 'on_demand',
        requested_by: 'agent-1',
      });
      const done = await poll(viewer, accepted.body.id, { limit: 200 });
      const live = (await aging(viewer, { limit: 200 }).expect(200)).body;
      expect(done.totals).toEqual(live.totals);
      expect(done.data).toEqual(live.data);
      expect(done).toMatchObject({ customers: 4, invoices: 18, next_cursor: null });
      expect(done.duration_ms).toEqual(expect.any(Number));
      expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.requested_at));

      // Another tenant cannot read it.
      await request(t.url).get(`/v1/aging/snapshots/${accepted.body.id}`).set(as(otherAgent)).expect(404);
    });

    it('snapshots a past date on a basis, equal to the live query then', async () => {
      clock.advance(1); // requested a minute after the first
      const accepted = await request(t.url)
        .post('/v1/aging/snapshots')
        .set(as(agent))
        .send({ as_of: '2026-09-15', basis: 'issue_date' })
        .expect(202);
      const done = await poll(viewer, accepted.body.id, { limit: 200 });
      const live = (await aging(viewer, { as_of: '2026-09-15', basis: 'issue_date', limit: 200 }).expect(200))
        .body;
      expect(done).toMatchObject({ as_of: '2026-09-15', basis: 'issue_date' });
      expect({ totals: done.totals, data: done.data }).toEqual({ totals: live.totals, data: live.data });
    });

    it('computes a snapshot once, however often its job runs', async () => {
      const { rows } = await t.db.query(
        `SELECT event_id, type, company_id, user_id, customer_id, correlation_id, metadata, occurred_at
           FROM outbox_events WHERE type = 'AgingSnapshotRequested' AND company_id = $1 ORDER BY seq LIMIT 1`,
        [companyId],
      );
      const event = {
        ...rows[0],
        timestamp: new Date(rows[0].occurred_at).toISOString(),
      } as DomainEvent<'AgingSnapshotRequested'>;
      const id = event.metadata.snapshot_id;
      const count = async () =>
        (await t.db.query('SELECT count(*)::int AS n FROM aging_snapshot_rows WHERE snapshot_id = $1', [id]))
          .rows[0].n;
      const before = await count();
      const refreshed = async () =>
        (
          await t.db.query(
            `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'AgingSnapshotRefreshed' AND metadata->>'snapshot_id' = $1`,
            [id],
          )
        ).rows[0].n;
      expect(await refreshed()).toBe(1);
      await t.app.get(AgingSnapshotsService).compute(event, { attempt: 2, maxAttempts: 8 });
      expect(await count()).toBe(before);
      expect(await refreshed()).toBe(1);
    });

    it('lists snapshots newest first with keyset pages', async () => {
      const first = await request(t.url)
        .get('/v1/aging/snapshots')
        .query({ limit: 1 })
        .set(as(viewer))
        .expect(200);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.data[0]).toMatchObject({ as_of: '2026-09-15', status: 'done' });
      const second = await request(t.url)
        .get('/v1/aging/snapshots')
        .query({ limit: 1, cursor: first.body.next_cursor })
        .set(as(viewer))
        .expect(200);
      expect(second.body.data[0]).toMatchObject({ as_of: TODAY, trigger: 'on_demand' });
      expect(second.body.next_cursor).toBeNull();
    });

    it("exposes seed 002's aging metrics", async () => {
      const metrics = await waitFor(async () => {
        const text = await t.metrics();
        return text.includes(`customer_aging_updated_total{company_id="${companyId}",trigger="on_demand"} 2`)
          ? text
          : undefined;
      });
      // The latest due-date snapshot (today): invoices per bucket, all currencies together.
      for (const [bucket, n] of [
        ['current', 9],
        ['1-30', 3],
        ['31-60', 3],
        ['61-90', 2],
        ['90+', 1],
      ]) {
        expect(metrics).toContain(
          `customer_aging_bucket_distribution{company_id="${companyId}",bucket="${bucket}"} ${n}`,
        );
      }
      expect(metrics).toMatch(/customer_aging_calculation_duration_seconds_count\{trigger="live"\} [1-9]/);
      expect(metrics).toMatch(/customer_aging_calculation_duration_seconds_count\{trigger="on_demand"\} 2/);
    });
  });

  describe('nightly run', () => {
    const state = async (customerId: string) =>
      (await request(t.url).get(`/v1/aging/customers/${customerId}`).set(as(viewer)).expect(200)).body;

    it('sets each customer’s overdue state from its oldest past-due invoice and snapshots every company once', async () => {
      clock.set(`${TODAY}T01:30:00Z`);
      const nightly = t.app.get(AgingNightly);
      const run = await nightly.run();
      expect(run).toMatchObject({ as_of: TODAY, snapshots: 2 }); // this company and the other tenant
      expect((await nightly.run()).snapshots).toBe(0); // the same day again takes none

      const c1 = await state(customers.c1);
      expect(c1).toMatchObject({
        customer_id: customers.c1,
        customer_number: 'CUST-Edges',
        overdue: { state: 'overdue_90', oldest_due_date: daysAgo(91), days_past_due: 91, as_of: TODAY },
        as_of: TODAY,
        basis: 'due_date',
      });
      expect(c1.totals).toEqual([
        line('KES', {
          current: [3_000, 2],
          '1-30': [12_000, 2],
          '31-60': [48_000, 2],
          '61-90': [192_000, 2],
          '90+': [256_000, 1],
        }),
      ]);
      // c2: the oldest across currencies is the USD invoice, 40 days past due.
      expect((await state(customers.c2)).overdue).toMatchObject({ state: 'overdue_60', days_past_due: 40 });
      // c3 and c4 owe nothing past due: current, never computed as overdue.
      expect((await state(customers.c3)).overdue).toMatchObject({ state: 'current', computed_at: null });
      expect((await state(customers.c4)).overdue.state).toBe('current');

      const scheduled = await waitFor(async () => {
        const { rows } = await t.db.query(
          `SELECT company_id, status, trigger, basis, to_char(as_of, 'YYYY-MM-DD') AS as_of FROM aging_snapshots
            WHERE trigger = 'scheduled' ORDER BY company_id`,
        );
        return rows.length === 2 && rows.every((r) => r.status === 'done') ? rows : undefined;
      });
      expect(scheduled.map((r) => r.company_id).sort()).toEqual([companyId, otherCompanyId].sort());
      expect(scheduled.every((r) => r.as_of === TODAY && r.basis === 'due_date')).toBe(true);
      await waitFor(async () =>
        (await t.metrics()).includes(
          `customer_aging_updated_total{company_id="${companyId}",trigger="scheduled"} 1`,
        ),
      );
    });

    it('moves a customer back to current once nothing is past due, and keeps when it changed', async () => {
      const { rows } = await t.db.query<{ id: string; currency: string; balance_minor: string }>(
        `SELECT id, currency, balance_minor FROM invoices WHERE customer_id = $1 AND balance_minor > 0`,
        [customers.c2],
      );
      for (const row of rows) {
        await allocate(row.id, {
          customer: customers.c2,
          currency: row.currency,
          amount: Number(row.balance_minor),
          on: daysAgo(-1),
        });
      }
      const before = (await state(customers.c1)).overdue.changed_at;
      clock.set(`${daysAgo(-1)}T01:30:00Z`);
      const run = await t.app.get(AgingNightly).run();
      expect(run.as_of).toBe(daysAgo(-1));
      expect((await state(customers.c2)).overdue).toMatchObject({
        state: 'current',
        oldest_due_date: null,
        days_past_due: null,
        as_of: daysAgo(-1),
      });
      const c1 = (await state(customers.c1)).overdue;
      expect(c1).toMatchObject({ state: 'overdue_90', days_past_due: 92 });
      expect(c1.changed_at).toBe(before);
      // The day's scheduled snapshots finish before the app closes.
      await waitFor(async () => {
        const { rows } = await t.db.query(`SELECT 1 FROM aging_snapshots WHERE status <> 'done'`);
        return rows.length === 0;
      });
    });
  });
});
