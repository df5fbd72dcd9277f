import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { halfOpenAfterMs } from '../src/modules/payments/gateway/mobile-money.gateway';
import { PaymentReconciler } from '../src/modules/payments/payment-reconciler';
import { signGatewayPayload } from '../src/platform/http/hmac-signature';
import { startTestApp, TestApp } from './support/app';
import { connect } from './support/database';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { waitFor } from './support/wait';

const TIMEOUT_MS = 300;
const WEBHOOK = '/v1/payments/webhooks/mobile_money';
const PHONE_OK = '+254700000001';
const PHONE_BROKE = '+254700000011'; // result 1: insufficient balance
const PHONE_CANCELS = '+254700001032'; // result 1032: cancelled by user
const PHONE_BUSY = '+254700001001'; // result 1001: the provider is busy (technical)
const FINAL = ['succeeded', 'failed', 'canceled'];

interface Payment {
  id: string;
  status: string;
  error_code: string | null;
  error_class: string | null;
  gateway_reference: string | null;
  provider_reference: string | null;
  attempts: number;
  phone_masked: string | null;
  trace_id: string;
}

describe('Payments (intents, gateway, callbacks, reconciliation)', () => {
  let t: TestApp;
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  const companyA = randomUUID();
  const companyB = randomUUID();
  let agentA: string;
  let adminB: string;
  let customerId: string;
  let customerToken: string;
  let otherCustomerToken: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const today = new Date().toISOString().slice(0, 10);
  let invoiceNumber = 0;

  const newCustomer = async (token: string) =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(token))
        .send({ name: 'Payer', email: `p${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
        .expect(201)
    ).body.id as string;

  const openInvoice = async (totalMinor = 100_000, forCustomer = customerId): Promise<string> => {
    invoiceNumber += 1;
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, total_minor, subtotal_minor, tax_minor,
                             allocated_minor, balance_minor, status, issue_date, due_date, issued_at)
       VALUES ($1, $2, $3, 'KES', $4, $4, 0, 0, $4, 'open', $5::date, $5::date + 30, now()) RETURNING id`,
      [companyA, forCustomer, `INV-P${String(invoiceNumber).padStart(5, '0')}`, totalMinor, today],
    );
    return rows[0].id;
  };

  const pay = (
    invoiceId: string,
    body: Record<string, unknown> = {},
    { token = agentA, key = randomUUID() }: { token?: string; key?: string | null } = {},
  ) => {
    const req = request(t.url).post('/v1/payments').set(as(token));
    if (key !== null) void req.set('idempotency-key', key);
    return req.send({
      customer_id: customerId,
      amount_minor: 40_000,
      currency: 'KES',
      method: 'mobile_money',
      purpose_type: 'invoice',
      purpose_id: invoiceId,
      phone: PHONE_OK,
      ...body,
    });
  };

  const payment = async (id: string) =>
    (await request(t.url).get(`/v1/payments/${id}`).set(as(agentA)).expect(200)).body as Payment;
  const settled = (id: string) =>
    waitFor(
      async () => {
        const p = await payment(id);
        return FINAL.includes(p.status) ? p : undefined;
      },
      { what: `payment ${id} to end` },
    );
  const initiated = (id: string) =>
    waitFor(
      async () => {
        const p = await payment(id);
        return p.gateway_reference ? p : undefined;
      },
      { what: `payment ${id} to be pushed` },
    );
  const invoice = async (id: string) =>
    (
      await t.db.query<{ status: string; balance_minor: string; allocated_minor: string }>(
        'SELECT status, balance_minor, allocated_minor FROM invoices WHERE id = $1',
        [id],
      )
    ).rows[0];
  const journey = async (traceId: string) =>
    (
      await t.db.query<{ event_type: string; status: string; error_type: string | null }>(
        'SELECT event_type, status, error_type FROM journey_events WHERE company_id = $1 AND trace_id = $2 ORDER BY seq',
        [companyA, traceId],
      )
    ).rows;
  const initiations = () => sim.requests().filter((r) => r.path === '/stk/initiate').length;
  const signed = (body: string, secret = TEST_GATEWAY_SECRET) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      'content-type': 'application/json',
      'x-gateway-timestamp': String(timestamp),
      'x-gateway-signature': signGatewayPayload(secret, timestamp, body),
    };
  };

  beforeAll(async () => {
    sim = await startTestGatewaySim({ callbackDelayMs: 150 });
    await sim.http.control({
      result_code_for_phone: { [PHONE_BROKE]: 1, [PHONE_CANCELS]: 1032, [PHONE_BUSY]: 1001 },
    });
    t = await startTestApp({
      env: {
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        PAYMENT_GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    // The app listens on a free port chosen at listen time; the callback URL is read per push.
    t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
    agentA = await t.token({ companyId: companyA, roles: ['agent'] });
    adminB = await t.token({ companyId: companyB, roles: ['admin'] });
    const admin = await t.token({ companyId: companyA, roles: ['admin'] });
    customerId = await newCustomer(admin);
    customerToken = await t.token({ companyId: companyA, roles: ['customer'], customerId });
    const other = await newCustomer(admin);
    otherCustomerToken = await t.token({ companyId: companyA, roles: ['customer'], customerId: other });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('requires an Idempotency-Key, and the same key answers the same intent', async () => {
    const invoiceId = await openInvoice();
    const missing = await pay(invoiceId, {}, { key: null }).expect(400);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.type).toMatch(/idempotency-key-required/);

    const key = randomUUID();
    const first = await pay(invoiceId, {}, { key }).expect(201);
    const second = await pay(invoiceId, {}, { key }).expect(201);
    expect(second.body.id).toBe(first.body.id);
    const { rows } = await t.db.query(
      'SELECT id FROM payment_intents WHERE company_id = $1 AND idempotency_key = $2',
      [companyA, key],
    );
    expect(rows).toHaveLength(1);
    expect(first.body.phone_masked).toBe('**********001');
    await settled(first.body.id);
  });

  it('validates the amount, currency and invoice before taking money', async () => {
    const invoiceId = await openInvoice(10_000);
    await pay(invoiceId, { amount_minor: 0 }).expect(400);
    await pay(invoiceId, { currency: 'kes' }).expect(400);
    expect((await pay(invoiceId, { currency: 'USD' }).expect(422)).body.type).toMatch(/currency-mismatch/);
    expect((await pay(invoiceId, { amount_minor: 10_001 }).expect(422)).body.type).toMatch(/over-payment/);
    await pay(invoiceId, {}, { token: otherCustomerToken }).expect(404);
    await pay(randomUUID()).expect(404);
    const { rows } = await t.db.query('SELECT 1 FROM payment_intents WHERE purpose_id = $1', [invoiceId]);
    expect(rows).toHaveLength(0);
  });

  it('succeeds via the signed callback and allocates to its invoice', async () => {
    const invoiceId = await openInvoice(100_000);
    const created = await pay(invoiceId, { customer_id: undefined }, { token: customerToken }).expect(201);
    expect(created.body.status).toBe('processing');
    const done = await settled(created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', error_code: null, attempts: 1 });
    expect(done.provider_reference).toMatch(/^SIM/);
    expect(await invoice(invoiceId)).toMatchObject({
      status: 'partially_paid',
      balance_minor: '60000',
      allocated_minor: '40000',
    });
    const { rows } = await t.db.query('SELECT amount_minor FROM invoice_allocations WHERE payment_id = $1', [
      done.id,
    ]);
    expect(rows).toEqual([{ amount_minor: '40000' }]);
    expect(await journey(done.trace_id)).toEqual([
      { event_type: 'payment_requested', status: 'processing', error_type: null },
      { event_type: 'payment_initiated', status: 'processing', error_type: null },
      { event_type: 'payment_succeeded', status: 'success', error_type: null },
    ]);
    // Outcomes are counted when the relay hands the committed event to the metrics listener.
    const metrics = await waitFor(
      async () => {
        const page = await t.metrics();
        return /payment_outcomes_total\{method="mobile_money",status="succeeded",error_code="none"\} \d/.test(
          page,
        )
          ? page
          : undefined;
      },
      { what: 'the payment counted in payment_outcomes_total' },
    );
    expect(metrics).toMatch(/revenue_minor_total\{currency="KES",purpose="invoice"\} \d/);
    expect(metrics).toMatch(
      /payment_gateway_request_duration_seconds_count\{provider="mobile_money",operation="initiate",outcome="success"\}/,
    );
    // The customer sees its own payment; another customer and another tenant see nothing.
    await request(t.url).get(`/v1/payments/${done.id}`).set(as(customerToken)).expect(200);
    await request(t.url).get(`/v1/payments/${done.id}`).set(as(otherCustomerToken)).expect(404);
    await request(t.url).get(`/v1/payments/${done.id}`).set(as(adminB)).expect(404);
    const list = await request(t.url)
      .get(`/v1/payments?customer_id=${customerId}&status=succeeded&limit=1`)
      .set(as(agentA))
      .expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.next_cursor).toEqual(expect.any(String));
    const next = await request(t.url)
      .get(`/v1/payments?customer_id=${customerId}&status=succeeded&limit=1&cursor=${list.body.next_cursor}`)
      .set(as(agentA))
      .expect(200);
    expect(next.body.data[0].id).not.toBe(list.body.data[0].id);
    expect((await request(t.url).get('/v1/payments').set(as(adminB)).expect(200)).body.data).toEqual([]);
  });

  it('records a declined payment with its code and class, and never retries it', async () => {
    const invoiceId = await openInvoice();
    const before = initiations();
    const broke = await settled((await pay(invoiceId, { phone: PHONE_BROKE }).expect(201)).body.id);
    const cancels = await settled((await pay(invoiceId, { phone: PHONE_CANCELS }).expect(201)).body.id);
    expect(broke).toMatchObject({ status: 'failed', error_code: '1', error_class: 'payment_declined' });
    expect(cancels).toMatchObject({ status: 'failed', error_code: '1032', error_class: 'payment_declined' });
    expect(initiations() - before).toBe(2);
    expect(await invoice(invoiceId)).toMatchObject({ status: 'open', balance_minor: '100000' });
    expect((await journey(cancels.trace_id)).at(-1)).toEqual({
      event_type: 'payment_failed',
      status: 'error',
      error_type: 'validation_error',
    });
    // Counted when the relay hands the committed PaymentFailed to the metrics listener: shortly after.
    await waitFor(
      async () =>
        /payment_outcomes_total\{method="mobile_money",status="failed",error_code="1032"\} 1/.test(
          await t.metrics(),
        ),
      { what: 'the declined payment counted in payment_outcomes_total' },
    );
  });

  it('re-initiates after a technical result (provider busy), with backoff, at most three times', async () => {
    const invoiceId = await openInvoice();
    const before = initiations();
    const busy = await settled((await pay(invoiceId, { phone: PHONE_BUSY }).expect(201)).body.id);
    expect(busy).toMatchObject({
      status: 'failed',
      error_code: '1001',
      error_class: 'external_service_error',
      attempts: 3,
    });
    expect(initiations() - before).toBe(3);
  }, 30_000);

  it('a replayed callback changes nothing; a forged one is refused and changes nothing', async () => {
    await sim.http.control({ callback: 'duplicate' });
    const invoiceId = await openInvoice(100_000);
    const done = await settled((await pay(invoiceId).expect(201)).body.id);
    await sim.http.control({ callback: 'send' });
    const answered = () =>
      sim
        .callbacks()
        .filter(
          (c) => c.checkout_request_id === done.gateway_reference && (c.status ?? c.error) !== undefined,
        );
    await waitFor(() => answered().length === 2, { what: 'the callback and its replay to be answered' });
    expect(answered().map((d) => d.status)).toEqual([200, 200]);
    expect(await invoice(invoiceId)).toMatchObject({ balance_minor: '60000' });
    const { rows } = await t.db.query('SELECT outcome FROM payment_callbacks WHERE payment_id = $1', [
      done.id,
    ]);
    expect(rows).toEqual([{ outcome: 'succeeded' }]);

    // A forged failure for the same checkout: 401, nothing changes.
    const forged = JSON.stringify({ checkout_request_id: done.gateway_reference, result_code: 1032 });
    const refused = await request(t.url)
      .post(WEBHOOK)
      .set(signed(forged, 'not-the-secret-at-all'))
      .send(forged);
    expect(refused.status).toBe(401);
    expect(refused.body.type).toMatch(/invalid-signature/);
    expect(await payment(done.id)).toMatchObject({ status: 'succeeded' });
    // Even a correctly signed different result for a final intent is only recorded.
    const late = await request(t.url).post(WEBHOOK).set(signed(forged)).send(forged).expect(200);
    expect(late.body.outcome).toBe('ignored');
    expect(await payment(done.id)).toMatchObject({ status: 'succeeded' });
    expect(await invoice(invoiceId)).toMatchObject({ balance_minor: '60000' });
  });

  it('applies a callback that arrives before the push is recorded, without waiting for reconciliation', async () => {
    const invoiceId = await openInvoice();
    // The test holds the intent's row lock from the moment it exists: the push goes out (it takes no
    // lock) and the gateway calls back at once, while our record of the push waits for the lock.
    const holder = await connect(t.databaseUrl);
    try {
      const created = await pay(invoiceId).expect(201);
      const id = created.body.id as string;
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM payment_intents WHERE id = $1 FOR UPDATE', [id]);
      const early = await waitFor(
        async () =>
          (
            await t.db.query<{ checkout_request_id: string; payment_id: string | null }>(
              `SELECT checkout_request_id, payment_id FROM payment_callbacks WHERE outcome = 'early'`,
            )
          ).rows[0],
        { what: 'the callback kept as early' },
      );
      expect(early.payment_id).toBeNull();
      expect((await payment(id)).gateway_reference).toBeNull();
      await holder.query('COMMIT');

      const done = await settled(id);
      expect(done).toMatchObject({ status: 'succeeded', gateway_reference: early.checkout_request_id });
      const { rows } = await t.db.query(
        'SELECT outcome, payment_id FROM payment_callbacks WHERE checkout_request_id = $1',
        [early.checkout_request_id],
      );
      expect(rows).toEqual([{ outcome: 'succeeded', payment_id: id }]);
      expect(await invoice(invoiceId)).toMatchObject({ allocated_minor: '40000' });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('classifies a gateway that hangs as timeout_error, without sending the push again', async () => {
    const invoiceId = await openInvoice();
    await sim.http.control({ hang: true });
    const before = initiations();
    try {
      const failed = await settled((await pay(invoiceId).expect(201)).body.id);
      expect(failed).toMatchObject({
        status: 'failed',
        error_code: 'gateway_timeout',
        error_class: 'timeout_error',
      });
      expect(initiations() - before).toBe(1); // the provider may have taken it: never re-sent
    } finally {
      await sim.http.control({ hang: false });
    }
    expect(await t.metrics()).toMatch(
      /payment_gateway_request_duration_seconds_count\{[^}]*outcome="timeout"\} 1/,
    );
  });

  it('reconciliation completes an intent whose callback was dropped (and a forged callback cannot)', async () => {
    const invoiceId = await openInvoice(100_000);
    await sim.http.control({ callback: 'drop' });
    const pushed = await initiated((await pay(invoiceId).expect(201)).body.id);
    await sim.http.control({ callback: 'send' });
    await waitFor(() => sim.transaction(pushed.gateway_reference!)?.status === 'completed');

    const forged = JSON.stringify({ checkout_request_id: pushed.gateway_reference, result_code: 0 });
    await request(t.url)
      .post(WEBHOOK)
      .set({
        'content-type': 'application/json',
        'x-gateway-timestamp': '1',
        'x-gateway-signature': 'sha256=00',
      })
      .send(forged)
      .expect(401);
    expect(await payment(pushed.id)).toMatchObject({ status: 'processing' });

    const counts = await t.app.get(PaymentReconciler).reconcile(0);
    expect(counts.succeeded).toBeGreaterThanOrEqual(1);
    expect(await payment(pushed.id)).toMatchObject({ status: 'succeeded' });
    expect(await invoice(invoiceId)).toMatchObject({ balance_minor: '60000', status: 'partially_paid' });
    // Running it again finds nothing to do for it.
    await t.app.get(PaymentReconciler).reconcile(0);
    expect(await invoice(invoiceId)).toMatchObject({ balance_minor: '60000' });
  });

  it('opens the circuit after consecutive failures, fails fast, and closes after a good probe', async () => {
    const invoiceId = await openInvoice(1_000_000);
    await sim.http.control({ fail_status: 503 });
    let before = initiations();
    const first = await settled((await pay(invoiceId).expect(201)).body.id);
    expect(first).toMatchObject({
      status: 'failed',
      error_code: 'gateway_unavailable',
      error_class: 'external_service_error',
    });
    expect(initiations() - before).toBe(3);
    before = initiations();
    const second = await settled((await pay(invoiceId).expect(201)).body.id);
    expect(second).toMatchObject({ status: 'failed', error_code: 'gateway_circuit_open' });
    expect(initiations() - before).toBe(2); // the fifth consecutive failure opened the circuit
    before = initiations();
    const third = await settled((await pay(invoiceId).expect(201)).body.id);
    expect(third).toMatchObject({ status: 'failed', error_code: 'gateway_circuit_open' });
    expect(initiations() - before).toBe(0); // failed fast: nothing reached the gateway

    await sim.http.control({ fail_status: null });
    await new Promise((resolve) => setTimeout(resolve, halfOpenAfterMs(TIMEOUT_MS) + 200));
    before = initiations();
    const probe = await settled((await pay(invoiceId).expect(201)).body.id);
    expect(probe).toMatchObject({ status: 'succeeded' });
    const after = await settled((await pay(invoiceId).expect(201)).body.id);
    expect(after).toMatchObject({ status: 'succeeded' });
    expect(initiations() - before).toBe(2);
  }, 30_000);

  it('cancels an intent without a result, and not a final one', async () => {
    const invoiceId = await openInvoice();
    const card = await pay(invoiceId, { method: 'card', phone: undefined }).expect(201);
    expect(card.body.status).toBe('requires_action');
    const canceled = await request(t.url)
      .post(`/v1/payments/${card.body.id}/cancel`)
      .set(as(agentA))
      .expect(200);
    expect(canceled.body.status).toBe('canceled');
    const again = await request(t.url)
      .post(`/v1/payments/${card.body.id}/cancel`)
      .set(as(agentA))
      .expect(409);
    expect(again.body.type).toMatch(/payment-not-cancellable/);
    await request(t.url).post(`/v1/payments/${card.body.id}/cancel`).set(as(adminB)).expect(404);
  });
});
