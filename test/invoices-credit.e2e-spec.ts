import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CreditUtilisationTask } from '../src/modules/invoices/credit/credit-utilisation.task';
import { InvoicesService } from '../src/modules/invoices/invoices.service';
import { startTestApp, TestApp } from './support/app';
import { waitFor } from './support/wait';

type Line = {
  description?: string;
  quantity: string | number;
  unit_price_minor: number;
  tax_rate_bp?: number;
};

describe('Invoices and credit: totals, statuses, allocations, limits, breaches, utilisation', () => {
  let t: TestApp;
  const companyId = randomUUID();
  let viewer: string;
  let agent: string;
  let manager: string;
  let admin: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const newCustomer = async (currency = 'KES', token = agent) =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(token))
        .send({ name: `Customer ${randomUUID().slice(0, 6)}`, currency })
        .expect(201)
    ).body.id as string;
  const draft = (customerId: string, lines: Line[], extra: Record<string, unknown> = {}, token = agent) =>
    request(t.url)
      .post('/v1/invoices')
      .set(as(token))
      .send({
        customer_id: customerId,
        issue_date: '2025-01-10',
        payment_terms_days: 30,
        lines: lines.map((line) => ({ description: 'Service', ...line })),
        ...extra,
      });
  /** A draft of exactly `total` (one untaxed line). */
  const draftOf = async (customerId: string, total: number, token = agent) =>
    (await draft(customerId, [{ quantity: 1, unit_price_minor: total }], {}, token).expect(201)).body
      .id as string;
  const issue = (id: string, token = agent, body: Record<string, unknown> = {}) =>
    request(t.url).post(`/v1/invoices/${id}/issue`).set(as(token)).send(body);
  const allocate = (id: string, body: Record<string, unknown>, token = agent) =>
    request(t.url).post(`/v1/invoices/${id}/allocations`).set(as(token)).send(body);
  const setLimit = async (customerId: string, amount: number, approver = manager, requester = agent) => {
    const requested = await request(t.url)
      .post(`/v1/customers/${customerId}/credit/adjustments`)
      .set(as(requester))
      .send({ adjustment_type: 'increase', amount_minor: amount, reason: 'Good payer' })
      .expect(201);
    await request(t.url)
      .post(`/v1/credit/adjustments/${requested.body.id}/approve`)
      .set(as(approver))
      .send({})
      .expect(200);
  };
  const invoiceRow = async (id: string) =>
    (await t.db.query('SELECT * FROM invoices WHERE id = $1', [id])).rows[0];
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query(sql, params)).rows[0].n);
  const metricLine = (name: string, labels: Record<string, string>) => {
    const body = Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/[\\"]/g, '\\$&')}"`)
      .join(',');
    return `${name}{${body}}`;
  };
  const metricValue = async (name: string, labels: Record<string, string>) => {
    const prefix = `${metricLine(name, labels)} `;
    const line = (await t.metrics()).split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? undefined : Number(line.slice(prefix.length));
  };

  beforeAll(async () => {
    t = await startTestApp();
    viewer = await t.token({ companyId, roles: ['viewer'], userId: 'viewer-1' });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    manager = await t.token({ companyId, roles: ['manager'], userId: 'manager-1' });
    admin = await t.token({ companyId, roles: ['admin'], userId: 'admin-1' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('totals and rounding', () => {
    it('computes line and invoice totals server-side, half up, from thousandths and basis points', async () => {
      const customerId = await newCustomer();
      const res = await draft(customerId, [
        { quantity: '2.5', unit_price_minor: 1999, tax_rate_bp: 1600 }, // 4997.5 → 4998; 799.68 → 800
        { quantity: 1.005, unit_price_minor: 100 }, // 100.5 → 101 (a float would make it 100.4999…)
        { quantity: '0.333', unit_price_minor: 10, tax_rate_bp: 1250 }, // 3.33 → 3; 0.375 → 0
        { quantity: '1.5', unit_price_minor: 3, tax_rate_bp: 1000 }, // 4.5 → 5; 0.5 → 1
      ]).expect(201);
      expect(res.body).toMatchObject({
        invoice_number: expect.stringMatching(/^INV-\d{6}$/),
        customer_id: customerId,
        currency: 'KES',
        status: 'draft',
        issue_date: '2025-01-10',
        due_date: '2025-02-09',
        payment_terms_days: 30,
        subtotal_minor: 4998 + 101 + 3 + 5,
        tax_minor: 800 + 1,
        total_minor: 4998 + 800 + 101 + 3 + 5 + 1,
        allocated_minor: 0,
        balance_minor: 5908,
      });
      expect(res.body.lines).toEqual([
        expect.objectContaining({
          position: 1,
          quantity: '2.5',
          quantity_milli: 2500,
          subtotal_minor: 4998,
          tax_minor: 800,
          total_minor: 5798,
        }),
        expect.objectContaining({
          position: 2,
          quantity: '1.005',
          subtotal_minor: 101,
          tax_minor: 0,
          total_minor: 101,
        }),
        expect.objectContaining({
          position: 3,
          quantity: '0.333',
          subtotal_minor: 3,
          tax_minor: 0,
          total_minor: 3,
        }),
        expect.objectContaining({
          position: 4,
          quantity: '1.5',
          subtotal_minor: 5,
          tax_minor: 1,
          total_minor: 6,
        }),
      ]);
      const stored = await invoiceRow(res.body.id);
      expect(stored).toMatchObject({
        subtotal_minor: '5107',
        tax_minor: '801',
        total_minor: '5908',
        status: 'draft',
      });
      const lines = await t.db.query(
        'SELECT quantity_milli, tax_rate_bp, total_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY position',
        [res.body.id],
      );
      expect(lines.rows.map((r) => [r.quantity_milli, r.tax_rate_bp, r.total_minor])).toEqual([
        ['2500', 1600, '5798'],
        ['1005', 0, '101'],
        ['333', 1250, '3'],
        ['1500', 1000, '6'],
      ]);
    });

    it('numbers invoices per company without gaps, each company from INV-000001', async () => {
      const otherCompany = randomUUID();
      const otherAgent = await t.token({ companyId: otherCompany, roles: ['agent'] });
      const otherCustomer = await newCustomer('USD', otherAgent);
      const first = await draft(
        otherCustomer,
        [{ quantity: 1, unit_price_minor: 100 }],
        {},
        otherAgent,
      ).expect(201);
      const second = await draft(
        otherCustomer,
        [{ quantity: 1, unit_price_minor: 100 }],
        {},
        otherAgent,
      ).expect(201);
      expect([first.body.invoice_number, second.body.invoice_number]).toEqual(['INV-000001', 'INV-000002']);
    });

    it('recomputes totals when a draft is edited, and takes a due date instead of terms', async () => {
      const customerId = await newCustomer();
      const id = (await draft(customerId, [{ quantity: 1, unit_price_minor: 1000 }]).expect(201)).body.id;
      const edited = await request(t.url)
        .patch(`/v1/invoices/${id}`)
        .set(as(agent))
        .send({
          due_date: '2025-01-20',
          lines: [{ description: 'Two', quantity: '2', unit_price_minor: 1001, tax_rate_bp: 500 }],
        })
        .expect(200);
      expect(edited.body).toMatchObject({
        due_date: '2025-01-20',
        payment_terms_days: null,
        subtotal_minor: 2002,
        tax_minor: 100, // 100.1 → 100
        total_minor: 2102,
        balance_minor: 2102,
      });
      expect(edited.body.lines).toHaveLength(1);
    });
  });

  describe('status moves', () => {
    it('goes draft → open → partially_paid → paid; only drafts are edited; paid ones are not voided', async () => {
      const customerId = await newCustomer();
      const id = await draftOf(customerId, 10_000);
      const issued = await issue(id).expect(200);
      expect(issued.body).toMatchObject({
        status: 'open',
        balance_minor: 10_000,
        issued_at: expect.any(String),
      });
      await issue(id).expect(409);
      const edit = await request(t.url)
        .patch(`/v1/invoices/${id}`)
        .set(as(agent))
        .send({ due_date: '2025-03-01' });
      expect(edit.status).toBe(409);
      expect(edit.body.type).toMatch(/invoice-not-draft$/);

      const part = await allocate(id, { amount_minor: 4_000, currency: 'KES', note: 'M-Pesa QX12' }).expect(
        201,
      );
      expect(part.body).toMatchObject({ amount_minor: 4_000, source: 'manual', created_by: 'agent-1' });
      expect(part.body.invoice).toMatchObject({
        status: 'partially_paid',
        allocated_minor: 4_000,
        balance_minor: 6_000,
      });
      const rest = await allocate(id, { amount_minor: 6_000, currency: 'KES' }).expect(201);
      expect(rest.body.invoice).toMatchObject({ status: 'paid', allocated_minor: 10_000, balance_minor: 0 });

      const voidPaid = await request(t.url)
        .post(`/v1/invoices/${id}/void`)
        .set(as(manager))
        .send({ reason: 'x' });
      expect(voidPaid.status).toBe(409);
      expect(voidPaid.body.type).toMatch(/invoice-has-allocations$/);
      const detail = await request(t.url).get(`/v1/invoices/${id}`).set(as(viewer)).expect(200);
      expect(detail.body.allocations.map((a: { amount_minor: number }) => a.amount_minor)).toEqual([
        4_000, 6_000,
      ]);
    });

    it('voids drafts and open invoices without allocations (managers and admins, with a reason)', async () => {
      const customerId = await newCustomer();
      const open = await draftOf(customerId, 5_000);
      await issue(open).expect(200);
      await request(t.url)
        .post(`/v1/invoices/${open}/void`)
        .set(as(agent))
        .send({ reason: 'Typo' })
        .expect(403);
      await request(t.url).post(`/v1/invoices/${open}/void`).set(as(manager)).send({}).expect(400);
      const voided = await request(t.url)
        .post(`/v1/invoices/${open}/void`)
        .set(as(manager))
        .send({ reason: 'Wrong customer' })
        .expect(200);
      expect(voided.body).toMatchObject({ status: 'void', balance_minor: 0, void_reason: 'Wrong customer' });
      await request(t.url)
        .post(`/v1/invoices/${open}/void`)
        .set(as(admin))
        .send({ reason: 'again' })
        .expect(409);
      await issue(open).expect(409);

      const drafted = await draftOf(customerId, 5_000);
      await request(t.url)
        .post(`/v1/invoices/${drafted}/void`)
        .set(as(admin))
        .send({ reason: 'Not needed' })
        .expect(200);
      const events = await t.db.query(
        `SELECT type, metadata FROM outbox_events WHERE company_id = $1 AND type = 'InvoiceVoided'
          AND metadata->>'invoice_id' = ANY($2) ORDER BY occurred_at`,
        [companyId, [open, drafted]],
      );
      expect(events.rows.map((r) => r.metadata.previous_status)).toEqual(['open', 'draft']);
    });

    it('lists invoices by customer, status and due range, in keyset pages', async () => {
      const customerId = await newCustomer();
      const ids: string[] = [];
      for (const due of ['2025-02-01', '2025-02-10', '2025-02-20']) {
        ids.push(
          (
            await draft(customerId, [{ quantity: 1, unit_price_minor: 100 }], {
              payment_terms_days: undefined,
              due_date: due,
            }).expect(201)
          ).body.id,
        );
      }
      await issue(ids[0]).expect(200);
      const page1 = await request(t.url)
        .get(`/v1/invoices?customer_id=${customerId}&limit=2`)
        .set(as(viewer))
        .expect(200);
      expect(page1.body.data.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
      const page2 = await request(t.url)
        .get(`/v1/invoices?customer_id=${customerId}&limit=2&cursor=${page1.body.next_cursor}`)
        .set(as(viewer))
        .expect(200);
      expect(page2.body).toEqual({ data: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
      const open = await request(t.url)
        .get(`/v1/invoices?customer_id=${customerId}&status=open`)
        .set(as(viewer))
        .expect(200);
      expect(open.body.data.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
      const range = await request(t.url)
        .get(`/v1/invoices?customer_id=${customerId}&due_from=2025-02-05&due_to=2025-02-20`)
        .set(as(viewer))
        .expect(200);
      expect(range.body.data.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    });
  });

  describe('allocations', () => {
    let customerId: string;
    let invoiceId: string;
    beforeAll(async () => {
      customerId = await newCustomer();
      invoiceId = await draftOf(customerId, 1_000);
    });

    it('refuses a draft (409), then over-allocation and another currency (422), writing nothing', async () => {
      const onDraft = await allocate(invoiceId, { amount_minor: 100, currency: 'KES' });
      expect(onDraft.status).toBe(409);
      expect(onDraft.body.type).toMatch(/invoice-not-issued$/);
      await issue(invoiceId).expect(200);

      const over = await allocate(invoiceId, { amount_minor: 1_001, currency: 'KES' });
      expect(over.status).toBe(422);
      expect(over.body).toMatchObject({
        type: expect.stringMatching(/over-allocation$/),
        errors: [{ field: 'amount_minor', message: expect.stringContaining('1000') }],
      });
      const currency = await allocate(invoiceId, { amount_minor: 100, currency: 'USD' });
      expect(currency.status).toBe(422);
      expect(currency.body.type).toMatch(/currency-mismatch$/);
      const early = await allocate(invoiceId, {
        amount_minor: 100,
        currency: 'KES',
        allocated_on: '2025-01-09',
      });
      expect(early.status).toBe(422);
      expect(early.body.type).toMatch(/allocation-date-out-of-range$/);
      for (const body of [
        { amount_minor: 0, currency: 'KES' },
        { amount_minor: -5, currency: 'KES' },
        { amount_minor: 1.5, currency: 'KES' },
        { amount_minor: 10, currency: 'kes' },
        { amount_minor: 10 },
      ]) {
        await allocate(invoiceId, body).expect(400);
      }
      await allocate(invoiceId, { amount_minor: 10, currency: 'KES' }, viewer).expect(403);
      expect(
        await count('SELECT count(*) AS n FROM invoice_allocations WHERE invoice_id = $1', [invoiceId]),
      ).toBe(0);
      expect(await invoiceRow(invoiceId)).toMatchObject({
        status: 'open',
        allocated_minor: '0',
        balance_minor: '1000',
      });
    });

    it('allocates exactly the balance, then refuses more (paid: 409)', async () => {
      await allocate(invoiceId, { amount_minor: 1_000, currency: 'KES', allocated_on: '2025-01-10' }).expect(
        201,
      );
      const more = await allocate(invoiceId, { amount_minor: 1, currency: 'KES' });
      expect(more.status).toBe(409);
      expect(more.body.type).toMatch(/invoice-paid$/);
    });

    it('refuses a void invoice (409) and a foreign tenant’s invoice (404)', async () => {
      const id = await draftOf(customerId, 500);
      await request(t.url).post(`/v1/invoices/${id}/void`).set(as(manager)).send({ reason: 'x' }).expect(200);
      const onVoid = await allocate(id, { amount_minor: 100, currency: 'KES' });
      expect(onVoid.status).toBe(409);
      expect(onVoid.body.type).toMatch(/invoice-void$/);
      const stranger = await t.token({ companyId: randomUUID(), roles: ['admin'] });
      await allocate(invoiceId, { amount_minor: 1, currency: 'KES' }, stranger).expect(404);
      await request(t.url).get(`/v1/invoices/${invoiceId}`).set(as(stranger)).expect(404);
      await request(t.url).get('/v1/invoices/not-a-uuid').set(as(agent)).expect(404);
    });

    it('allocates a payment once per invoice through InvoicesService.allocate', async () => {
      const id = await draftOf(customerId, 3_000);
      await issue(id).expect(200);
      const invoices = t.app.get(InvoicesService);
      const dataSource = t.app.get(DataSource);
      const paymentId = randomUUID();
      const input = { companyId, invoiceId: id, amountMinor: 1_200n, currency: 'KES', paymentId };
      const first = await dataSource.transaction((m) => invoices.allocate(m, input));
      const again = await dataSource.transaction((m) => invoices.allocate(m, input));
      expect(first).toMatchObject({ replayed: false, balanceMinor: 1_800n, status: 'partially_paid' });
      expect(again).toMatchObject({ replayed: true, allocationId: first.allocationId });
      expect(await invoiceRow(id)).toMatchObject({ allocated_minor: '1200', balance_minor: '1800' });
      // Two payments racing for the last 1,800: the invoice lock queues them; the second is over-allocation.
      const raced = await Promise.allSettled(
        [1, 2].map(() =>
          dataSource.transaction((m) =>
            invoices.allocate(m, { ...input, paymentId: randomUUID(), amountMinor: 1_000 }),
          ),
        ),
      );
      expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ kind: 'unprocessable', code: 'over-allocation' });
      expect(await invoiceRow(id)).toMatchObject({ allocated_minor: '2200', balance_minor: '800' });
    });
  });

  describe('credit limits: adjustment requests and decisions', () => {
    it('has no limit until one is approved: never refused, no utilisation', async () => {
      const customerId = await newCustomer();
      const id = await draftOf(customerId, 50_000_000);
      await issue(id).expect(200);
      const credit = await request(t.url)
        .get(`/v1/customers/${customerId}/credit`)
        .set(as(viewer))
        .expect(200);
      expect(credit.body).toEqual({
        customer_id: customerId,
        currency: 'KES',
        limit_minor: null,
        exposure_minor: 50_000_000,
        available_minor: null,
        utilisation_bp: null,
        utilisation_percent: null,
        utilisation_bucket: null,
        limit_updated_at: null,
      });
      expect(
        await count('SELECT count(*) AS n FROM credit_breaches WHERE customer_id = $1', [customerId]),
      ).toBe(0);
    });

    it('lets agents request and only managers and admins decide, once', async () => {
      const customerId = await newCustomer();
      const requested = await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(agent))
        .send({ adjustment_type: 'increase', amount_minor: 100_000, reason: 'Pays on time' })
        .expect(201);
      expect(requested.body).toMatchObject({
        status: 'pending',
        adjustment_type: 'increase',
        amount_minor: 100_000,
        currency: 'KES',
        requested_by: 'agent-1',
      });
      const adjustment = requested.body.id as string;
      await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(viewer))
        .send({ adjustment_type: 'increase', amount_minor: 1, reason: 'x' })
        .expect(403);
      const byAgent = await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/approve`)
        .set(as(agent))
        .send({});
      expect(byAgent.status).toBe(403);
      await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/reject`)
        .set(as(agent))
        .send({ reason: 'no' })
        .expect(403);
      const stranger = await t.token({ companyId: randomUUID(), roles: ['manager'] });
      await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/approve`)
        .set(as(stranger))
        .send({})
        .expect(404);

      const approved = await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/approve`)
        .set(as(manager))
        .send({ reason: 'Six months clean' })
        .expect(200);
      expect(approved.body).toMatchObject({
        status: 'approved',
        decided_by: 'manager-1',
        decision_reason: 'Six months clean',
        limit_before_minor: null,
        limit_after_minor: 100_000,
      });
      const again = await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/approve`)
        .set(as(admin))
        .send({});
      expect(again.status).toBe(409);
      expect(again.body.type).toMatch(/credit-adjustment-decided$/);
      await request(t.url)
        .post(`/v1/credit/adjustments/${adjustment}/reject`)
        .set(as(admin))
        .send({ reason: 'late' })
        .expect(409);

      const decrease = await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(manager))
        .send({ adjustment_type: 'decrease', amount_minor: 40_000, reason: 'Late twice' })
        .expect(201);
      await request(t.url)
        .post(`/v1/credit/adjustments/${decrease.body.id}/reject`)
        .set(as(admin))
        .send({})
        .expect(400);
      const rejected = await request(t.url)
        .post(`/v1/credit/adjustments/${decrease.body.id}/reject`)
        .set(as(admin))
        .send({ reason: 'Not warranted' })
        .expect(200);
      expect(rejected.body).toMatchObject({
        status: 'rejected',
        decided_by: 'admin-1',
        limit_after_minor: null,
      });
      const tooMuch = await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(agent))
        .send({ adjustment_type: 'decrease', amount_minor: 100_001, reason: 'Cut' })
        .expect(201);
      const below = await request(t.url)
        .post(`/v1/credit/adjustments/${tooMuch.body.id}/approve`)
        .set(as(admin))
        .send({});
      expect(below.status).toBe(422);
      expect(below.body.type).toMatch(/credit-limit-below-zero$/);
      const cut = await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(agent))
        .send({ adjustment_type: 'decrease', amount_minor: 30_000, reason: 'Cut' })
        .expect(201);
      await request(t.url).post(`/v1/credit/adjustments/${cut.body.id}/approve`).set(as(admin)).expect(200);

      const credit = await request(t.url)
        .get(`/v1/customers/${customerId}/credit`)
        .set(as(viewer))
        .expect(200);
      expect(credit.body).toMatchObject({
        limit_minor: 70_000,
        exposure_minor: 0,
        available_minor: 70_000,
        utilisation_bp: 0,
      });
      const list = await request(t.url)
        .get(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(viewer))
        .expect(200);
      expect(list.body.data.map((a: { status: string }) => a.status)).toEqual([
        'approved',
        'pending',
        'rejected',
        'approved',
      ]);
      const pending = await request(t.url)
        .get(`/v1/credit/adjustments?status=pending&customer_id=${customerId}`)
        .set(as(manager))
        .expect(200);
      expect(pending.body.data.map((a: { id: string }) => a.id)).toEqual([tooMuch.body.id]);

      const labels = (type: string, status: string) => ({
        company_id: companyId,
        adjustment_type: type,
        status,
      });
      // Counted from committed events: each request once as pending, each decision once more.
      const expected: Array<[string, string, number]> = [
        ['increase', 'pending', 1],
        ['increase', 'approved', 1],
        ['decrease', 'pending', 3],
        ['decrease', 'rejected', 1],
        ['decrease', 'approved', 1],
      ];
      const counted = async () => {
        const values = [];
        for (const [type, status] of expected) {
          values.push([
            type,
            status,
            await metricValue('customer_credit_limit_adjusted_total', labels(type, status)),
          ]);
        }
        return values;
      };
      await waitFor(async () => JSON.stringify(await counted()) === JSON.stringify(expected), {
        what: 'the adjustment metrics',
      }).catch(async (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await counted())}`);
      });
    });
  });

  describe('breaches', () => {
    let customerId: string;
    const breachesOf = async () =>
      (
        await t.db.query(
          `SELECT severity, override_used, refused, limit_minor, exposure_minor, overage_minor, invoice_id
             FROM credit_breaches WHERE customer_id = $1 ORDER BY occurred_at, id`,
          [customerId],
        )
      ).rows;

    beforeAll(async () => {
      customerId = await newCustomer();
      await setLimit(customerId, 100_000);
      // Exactly at the limit fits.
      await issue(await draftOf(customerId, 100_000)).expect(200);
    });

    it('refuses an issue past the limit with the figures, records the breach, changes nothing else', async () => {
      const tenPercent = await draftOf(customerId, 10_000);
      const refused = await issue(tenPercent);
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({
        type: expect.stringMatching(/credit-limit-exceeded$/),
        status: 422,
        currency: 'KES',
        limit_minor: 100_000,
        exposure_minor: 100_000,
        invoice_total_minor: 10_000,
        overage_minor: 10_000,
        severity: 'medium', // exactly 10 %
        breach_id: expect.any(String),
        correlation_id: expect.any(String),
      });
      expect((await invoiceRow(tenPercent)).status).toBe('draft');

      const under = await draftOf(customerId, 9_999);
      expect((await issue(under).expect(422)).body).toMatchObject({ overage_minor: 9_999, severity: 'low' });
      const quarter = await draftOf(customerId, 25_000);
      expect((await issue(quarter).expect(422)).body).toMatchObject({
        overage_minor: 25_000,
        severity: 'high',
      });
      expect(await breachesOf()).toEqual([
        expect.objectContaining({
          severity: 'medium',
          override_used: false,
          refused: true,
          overage_minor: '10000',
          invoice_id: tenPercent,
        }),
        expect.objectContaining({
          severity: 'low',
          override_used: false,
          refused: true,
          overage_minor: '9999',
        }),
        expect.objectContaining({
          severity: 'high',
          override_used: false,
          refused: true,
          overage_minor: '25000',
        }),
      ]);
      const credit = await request(t.url)
        .get(`/v1/customers/${customerId}/credit`)
        .set(as(viewer))
        .expect(200);
      expect(credit.body).toMatchObject({
        exposure_minor: 100_000,
        available_minor: 0,
        utilisation_bp: 10_000,
        utilisation_bucket: '100%+',
      });
    });

    it('issues on a manager’s or admin’s override with a reason, recording the breach as overridden', async () => {
      const id = await draftOf(customerId, 9_999);
      const byAgent = await issue(id, agent, { override: true, override_reason: 'Director said so' });
      expect(byAgent.status).toBe(403);
      await issue(id, manager, { override: true }).expect(400);
      const before = await count('SELECT count(*) AS n FROM credit_breaches WHERE customer_id = $1', [
        customerId,
      ]);
      expect(before).toBe(3);

      const overridden = await issue(id, manager, {
        override: true,
        override_reason: 'Paid cash at the desk',
      }).expect(200);
      expect(overridden.body).toMatchObject({ status: 'open', balance_minor: 9_999 });
      const oneMore = await draftOf(customerId, 1);
      // Exposure is now 109,999: one more minor unit makes 10,000 over (10 %): medium.
      const second = await issue(oneMore, admin, { override: true, override_reason: 'Rounding' }).expect(200);
      expect(second.body.status).toBe('open');
      expect((await breachesOf()).slice(3)).toEqual([
        expect.objectContaining({
          severity: 'low',
          override_used: true,
          refused: false,
          exposure_minor: '100000',
          overage_minor: '9999',
        }),
        expect.objectContaining({
          severity: 'medium',
          override_used: true,
          refused: false,
          exposure_minor: '109999',
          overage_minor: '10000',
        }),
      ]);
      const issuedEvent = await t.db.query(
        `SELECT metadata FROM outbox_events WHERE type = 'InvoiceIssued' AND metadata->>'invoice_id' = $1`,
        [id],
      );
      expect(issuedEvent.rows[0].metadata).toMatchObject({ override_used: true, total_minor: 9_999 });

      const breach = (severity: string, override: string) => ({
        company_id: companyId,
        severity,
        override_used: override,
      });
      await waitFor(
        async () =>
          (await metricValue('customer_credit_breach_total', breach('medium', 'true'))) === 1 &&
          (await metricValue('customer_credit_breach_total', breach('low', 'true'))) === 1,
        { what: 'the overridden breach metrics' },
      );
      expect(await metricValue('customer_credit_breach_total', breach('medium', 'false'))).toBe(1);
      expect(await metricValue('customer_credit_breach_total', breach('low', 'false'))).toBe(1);
      expect(await metricValue('customer_credit_breach_total', breach('high', 'false'))).toBe(1);
      expect(await metricValue('customer_credit_breach_total', breach('high', 'true'))).toBeUndefined();

      const listed = await request(t.url)
        .get(`/v1/credit/breaches?customer_id=${customerId}&severity=medium`)
        .set(as(viewer))
        .expect(200);
      expect(listed.body.data.map((b: { override_used: boolean }) => b.override_used)).toEqual([true, false]);
    });

    it('lets an allocation make room again', async () => {
      const open = await request(t.url)
        .get(`/v1/invoices?customer_id=${customerId}&status=open`)
        .set(as(viewer))
        .expect(200);
      const big = open.body.data.find((i: { total_minor: number }) => i.total_minor === 100_000);
      await allocate(big.id, { amount_minor: 60_000, currency: 'KES' }).expect(201);
      // exposure 110,000 − 60,000 = 50,000; a 50,000 invoice fits exactly.
      await issue(await draftOf(customerId, 50_000)).expect(200);
      await issue(await draftOf(customerId, 1)).expect(422);
    });
  });

  describe('two concurrent issues that each fit but not together', () => {
    it('refuses exactly one, every time', async () => {
      for (let round = 0; round < 5; round += 1) {
        const customerId = await newCustomer();
        await setLimit(customerId, 1_000);
        const [a, b] = [await draftOf(customerId, 600), await draftOf(customerId, 600)];
        const results = await Promise.all([issue(a), issue(b)]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
        const refused = results.find((r) => r.status === 422)!;
        expect(refused.body).toMatchObject({
          limit_minor: 1_000,
          exposure_minor: 600,
          overage_minor: 200,
          severity: 'medium', // 200 / 1,000 = 20 %
        });
        const statuses = await t.db.query('SELECT status FROM invoices WHERE id = ANY($1) ORDER BY status', [
          [a, b],
        ]);
        expect(statuses.rows.map((r) => r.status)).toEqual(['draft', 'open']);
        const credit = await request(t.url)
          .get(`/v1/customers/${customerId}/credit`)
          .set(as(viewer))
          .expect(200);
        expect(credit.body).toMatchObject({ exposure_minor: 600, available_minor: 400 });
      }
    });
  });

  describe('utilisation', () => {
    it('counts customers with a limit per bucket (closed below, open above), live and nightly', async () => {
      const company = randomUUID();
      const cAgent = await t.token({ companyId: company, roles: ['agent'] });
      const cManager = await t.token({ companyId: company, roles: ['manager'] });
      const customerWith = async (exposure: number, allocated = 0) => {
        const id = await newCustomer('UGX', cAgent);
        await setLimit(id, 1_000, cManager, cAgent);
        if (exposure + allocated > 0) {
          const invoice = await draftOf(id, exposure + allocated, cAgent);
          await issue(invoice, cManager, { override: true, override_reason: 'test' }).expect(200);
          if (allocated > 0)
            await allocate(invoice, { amount_minor: allocated, currency: 'UGX' }, cAgent).expect(201);
        }
        return id;
      };
      const edges = {
        zero: await customerWith(0),
        under25: await customerWith(249),
        exactly25: await customerWith(250),
        exactly50: await customerWith(500, 300), // 800 issued, 300 paid: the balance (500) counts
        exactly75: await customerWith(750),
        under100: await customerWith(999),
        exactly100: await customerWith(1_000),
        over: await customerWith(1_001),
      };
      // Neither a customer without a limit nor a void invoice counts.
      const unlimited = await newCustomer('UGX', cAgent);
      await issue(await draftOf(unlimited, 5_000, cAgent), cAgent).expect(200);
      const voided = await draftOf(edges.zero, 900, cAgent);
      await issue(voided, cAgent).expect(200);
      await request(t.url)
        .post(`/v1/invoices/${voided}/void`)
        .set(as(cManager))
        .send({ reason: 'x' })
        .expect(200);

      const expected = [
        { bucket: '0-25%', customers: 2 },
        { bucket: '25-50%', customers: 1 },
        { bucket: '50-75%', customers: 1 },
        { bucket: '75-100%', customers: 2 },
        { bucket: '100%+', customers: 2 },
      ];
      const live = await request(t.url).get('/v1/credit/utilisation').set(as(cAgent)).expect(200);
      expect(live.body).toMatchObject({ customers: 8, buckets: expected });
      const exactly25 = await request(t.url)
        .get(`/v1/customers/${edges.exactly25}/credit`)
        .set(as(cAgent))
        .expect(200);
      expect(exactly25.body).toMatchObject({
        utilisation_bp: 2500,
        utilisation_percent: 25,
        utilisation_bucket: '25-50%',
      });
      const exactly50 = await request(t.url)
        .get(`/v1/customers/${edges.exactly50}/credit`)
        .set(as(cAgent))
        .expect(200);
      expect(exactly50.body).toMatchObject({ exposure_minor: 500, utilisation_bucket: '50-75%' });

      await t.app.get(CreditUtilisationTask).run();
      const text = await t.metrics();
      for (const { bucket, customers } of expected) {
        expect(text).toContain(
          `${metricLine('customer_credit_utilization_histogram', { company_id: company, utilization_bucket: bucket })} ${customers}`,
        );
      }
      const stored = await t.db.query(
        'SELECT bucket, customers FROM credit_utilisation_snapshots WHERE company_id = $1 ORDER BY bucket',
        [company],
      );
      expect(stored.rows).toHaveLength(5);
    });
  });

  describe('bad input', () => {
    it('answers 4xx problems naming the field, and writes nothing', async () => {
      const customerId = await newCustomer();
      const foreign = await newCustomer('KES', await t.token({ companyId: randomUUID(), roles: ['agent'] }));
      const snapshot = async () => ({
        invoices: await count('SELECT count(*) AS n FROM invoices WHERE company_id = $1', [companyId]),
        lines: await count('SELECT count(*) AS n FROM invoice_lines WHERE company_id = $1', [companyId]),
        counter: (
          await t.db.query('SELECT last_value FROM invoice_number_counters WHERE company_id = $1', [
            companyId,
          ])
        ).rows[0]?.last_value,
      });
      const before = await snapshot();
      const one = [{ quantity: 1, unit_price_minor: 100 }];
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ lines: [{ quantity: '-1', unit_price_minor: 100 }] }, 400, 'lines.0.quantity'],
        [{ lines: [{ quantity: -2, unit_price_minor: 100 }] }, 400, 'lines.0.quantity'],
        [{ lines: [{ quantity: 0, unit_price_minor: 100 }] }, 400, 'lines.0.quantity'],
        [{ lines: [{ quantity: '1.0005', unit_price_minor: 100 }] }, 400, 'lines.0.quantity'],
        [{ lines: [{ quantity: 1, unit_price_minor: -100 }] }, 400, 'lines.0.unit_price_minor'],
        [{ lines: [{ quantity: 1, unit_price_minor: 1.5 }] }, 400, 'lines.0.unit_price_minor'],
        [
          { lines: [{ quantity: 1, unit_price_minor: 100, tax_rate_bp: 10_001 }] },
          400,
          'lines.0.tax_rate_bp',
        ],
        [{ lines: [] }, 400, 'lines'],
        [{ lines: one, currency: 'KSH' }, 400, 'currency'],
        [{ lines: one, currency: 'usd1' }, 400, 'currency'],
        [{ lines: one, currency: 'usd' }, 400, 'currency'],
        [{ lines: one, currency: 'USD' }, 422, 'currency'],
        [
          { lines: one, payment_terms_days: undefined, issue_date: '2025-02-10', due_date: '2025-02-09' },
          400,
          'due_date',
        ],
        [{ lines: one, due_date: '2025-03-01' }, 400, 'payment_terms_days'],
        [{ lines: one, issue_date: '2025-02-30' }, 400, 'issue_date'],
        [{ lines: one, payment_terms_days: -1 }, 400, 'payment_terms_days'],
        [{ lines: [{ quantity: '999999999', unit_price_minor: 9_007_199_254 }] }, 422, 'lines'],
      ];
      for (const [body, status, field] of cases) {
        const { lines, ...rest } = body;
        const res = await draft(customerId, (lines as Line[] | undefined) ?? one, rest);
        expect({ body, status: res.status }).toEqual({ body, status });
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
      }
      const foreignCustomer = await draft(foreign, one);
      expect(foreignCustomer.status).toBe(404);
      await draft(randomUUID(), one).expect(404);
      await draft(customerId, one, { customer_id: 'nope' }).expect(400);
      await draft(customerId, one, { total_minor: 1 }).expect(400); // totals are never taken from the caller
      await request(t.url).get(`/v1/customers/${foreign}/credit`).set(as(agent)).expect(404);
      await request(t.url)
        .post(`/v1/customers/${foreign}/credit/adjustments`)
        .set(as(agent))
        .send({ adjustment_type: 'increase', amount_minor: 100, reason: 'x' })
        .expect(404);
      await request(t.url)
        .post(`/v1/customers/${customerId}/credit/adjustments`)
        .set(as(agent))
        .send({ adjustment_type: 'double', amount_minor: -1, reason: '' })
        .expect(400);
      expect(await snapshot()).toEqual(before);
      expect(
        await count('SELECT count(*) AS n FROM credit_limit_adjustments WHERE customer_id = $1', [foreign]),
      ).toBe(0);
    });
  });
});
