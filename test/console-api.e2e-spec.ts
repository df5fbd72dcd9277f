import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BankAccountsSettings } from '../src/modules/bank-accounts/bank-accounts.settings';
import { DEFAULT_RESPONSE_TEMPLATES } from '../src/modules/journeys/journey-guidance';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { HttpStub, SmtpSink } from './support/peers';
import { waitFor, waitUntilQuiet } from './support/wait';

/**
 * The support console's API (issue 13) on one realistic customer, seeded through the real APIs and flows:
 * a credit limit and invoices in four aging buckets, a declined payment and a paid package through the
 * gateway simulator, a voucher session with usage, tickets with SLA timers, notifications by email, in-app
 * and a refusing SMS provider, and bank-account setups (one completed, one refused, one stuck while the
 * validation service is down). The clock stands still unless a test moves it, so times are exact.
 */
const GOOD_ROUTING = '021000021';
const BAD_ROUTING = '021000022';
/** Every full account number used; none may reach a console answer. */
const ACCOUNTS = {
  completed: '73519846208',
  refused: '73519846209',
  stuck: '73519846207',
  brian: '73519846210',
  inSubject: '73519846211',
};
const CARD = '4111 1111 1111 1111';
const PHONE_OK = '+254700000001';
const PHONE_BROKE = '+254700000011'; // the simulator answers result 1: insufficient balance
const SMS_KEY = 'sms-api-key-for-the-console-test';
const HOUR_MS = 3_600_000;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const INDEX_HTML = '<!doctype html><html><head><title>custops console</title></head><body></body></html>';

/** A JSON body, as supertest parses it. */
type Doc = request.Response['body'];

/** Digit runs of 13–19 digits (spaces or dashes allowed between) that pass the Luhn check: card numbers. */
function cardLikeRuns(text: string): string[] {
  const found: string[] = [];
  // Ids first: a uuid's hex may hold a long run of digits by chance.
  const withoutIds = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, 'id');
  for (const match of withoutIds.matchAll(/\d(?:[ -]?\d){12,18}/g)) {
    const digits = match[0].replace(/\D/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i += 1) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) found.push(match[0]);
  }
  return found;
}

describe('Support console API (issue 13)', () => {
  let t: TestApp;
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  let smtp: SmtpSink;
  let sms: HttpStub;
  let consoleDir: string;
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const companyA = randomUUID();
  const companyB = randomUUID();
  const tokens: Record<'viewer' | 'agent' | 'manager' | 'admin' | 'adminB' | 'customer', string> = {
    viewer: '',
    agent: '',
    manager: '',
    admin: '',
    adminB: '',
    customer: '',
  };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  /** Every console answer's body, for the secrets scan. */
  const consoleBodies: string[] = [];
  const consoleGet = async (path: string, token = tokens.agent, status = 200) => {
    const res = await request(t.url).get(`/v1/console${path}`).set(as(token));
    consoleBodies.push(res.text);
    expect(res.status).toBe(status);
    return res;
  };
  const search = async (q: string, token = tokens.agent) =>
    (await consoleGet(`/search?q=${encodeURIComponent(q)}`, token)).body.data as Doc[];
  const documentOf = async (id: string, token = tokens.agent) =>
    (await consoleGet(`/customers/${id}`, token)).body;

  // What the seeding made.
  let amina: Doc;
  let brian: Doc;
  let wanjiru: Doc;
  let other: Doc;
  let invoiceCurrent: string;
  let failedPayment: Doc;
  let purchased: Doc;
  let voucherSession: Doc;
  let deviceKey: string;
  let voucherCode: string;
  let ticketOpen: Doc;
  let ticketResolved: Doc;
  let requests: Record<'completed' | 'refused' | 'stuck' | 'brian', Doc>;
  let stuckAt: Date;

  const newCustomer = async (body: Record<string, unknown>, token = tokens.agent) =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(token))
        .send({ currency: 'KES', ...body })
        .expect(201)
    ).body;
  const issuedInvoice = async (customerId: string, total: number, issueDate: string, termsDays: number) => {
    const draft = await request(t.url)
      .post('/v1/invoices')
      .set(as(tokens.agent))
      .send({
        customer_id: customerId,
        issue_date: issueDate,
        payment_terms_days: termsDays,
        lines: [{ description: 'Service', quantity: 1, unit_price_minor: total }],
      })
      .expect(201);
    await request(t.url)
      .post(`/v1/invoices/${draft.body.id}/issue`)
      .set(as(tokens.agent))
      .send({})
      .expect(200);
    return draft.body.id as string;
  };
  const daysBefore = (days: number) =>
    new Date(clock.now().getTime() - days * 24 * HOUR_MS).toISOString().slice(0, 10);
  const bankRequest = async (
    customerId: string,
    account: string,
    routing = GOOD_ROUTING,
    holder = 'Holder',
  ) =>
    (
      await request(t.url)
        .post(`/v1/customers/${customerId}/bank-accounts`)
        .set(as(tokens.agent))
        .send({
          account_holder_name: holder,
          account_type: 'checking',
          routing_number: routing,
          account_number: account,
        })
        .expect(202)
    ).body;
  const bankStatus = (id: string, status: string) =>
    waitFor(
      async () => {
        const res = await request(t.url)
          .get(`/v1/bank-accounts/requests/${id}`)
          .set(as(tokens.agent))
          .expect(200);
        return res.body.status === status ? res.body : undefined;
      },
      { what: `bank request ${id} ${status}`, timeoutMs: 30_000 },
    );
  const payment = async (id: string) =>
    (await request(t.url).get(`/v1/payments/${id}`).set(as(tokens.agent)).expect(200)).body;
  const session = async (id: string) =>
    (await request(t.url).get(`/v1/sessions/${id}`).set(as(tokens.agent)).expect(200)).body;
  const deliveriesOf = async (customerId: string) =>
    (
      await request(t.url)
        .get(`/v1/notifications/deliveries?recipient_kind=customer&recipient_id=${customerId}&limit=200`)
        .set(as(tokens.admin))
        .expect(200)
    ).body.data as Doc[];
  /** The customer's deliveries once every one has a final status and no new one appeared for a while. */
  const settledDeliveries = async (customerId: string) =>
    waitUntilQuiet(
      async () => {
        const rows = await deliveriesOf(customerId);
        return rows.every((d) => ['sent', 'failed', 'suppressed'].includes(d.status as string))
          ? rows.map((d) => `${d.id}:${d.status}`)
          : [String(Math.random())];
      },
      1_000,
      30_000,
    );
  const step = () => clock.advance(1);

  beforeAll(async () => {
    consoleDir = mkdtempSync(join(tmpdir(), 'custops-console-'));
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(join(consoleDir, 'index.html'), INDEX_HTML);
    writeFileSync(join(consoleDir, 'assets', 'app-5ZQJ4K2M.js'), 'console.log("console");\n');
    writeFileSync(join(consoleDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(consoleDir, '.env'), 'SECRET=1\n');

    sim = await startTestGatewaySim({ callbackDelayMs: 50, now: () => clock.now().getTime() });
    await sim.http.control({ result_code_for_phone: { [PHONE_BROKE]: 1 } });
    smtp = await new SmtpSink().start();
    sms = await new HttpStub().start();
    sms.status = 422; // the SMS provider refuses: SMS deliveries fail, visibly
    t = await startTestApp({
      clock,
      env: {
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        BANK_VALIDATION_URL: sim.url,
        SMTP_URL: smtp.url,
        SMS_PROVIDER_URL: sms.url('/messages'),
        SMS_API_KEY: SMS_KEY,
        CONSOLE_DIR: consoleDir,
        // Scans that would change the seeded state on their own (escalations, reminders) stay quiet.
        TICKET_SLA_SCAN_INTERVAL_MS: String(24 * HOUR_MS),
        DUNNING_SCAN_INTERVAL_MS: String(24 * HOUR_MS),
      },
    });
    t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
    // A request whose validation service is down waits (no automatic retry within the test); the circuit
    // never opens, so a re-run reaches the service as soon as it is back.
    Object.assign(t.app.get(BankAccountsSettings), {
      retryBaseDelayMs: 24 * HOUR_MS,
      retryMaxDelayMs: 24 * HOUR_MS,
      externalTimeoutMs: 500,
      breakerThreshold: 1000,
    });
    tokens.viewer = await t.token({ companyId: companyA, roles: ['viewer'], userId: 'viewer-1' });
    tokens.agent = await t.token({ companyId: companyA, roles: ['agent'], userId: 'agent-1' });
    tokens.manager = await t.token({ companyId: companyA, roles: ['manager'], userId: 'manager-1' });
    tokens.admin = await t.token({ companyId: companyA, roles: ['admin'], userId: 'admin-1' });
    tokens.adminB = await t.token({ companyId: companyB, roles: ['admin'], userId: 'admin-b' });
    await request(t.url)
      .put('/v1/invoices/reminder-schedule')
      .set(as(tokens.admin))
      .send({ offsets_days: [] })
      .expect(200);

    // Customers: the one the page is about, two that share her name parts, one in another company
    // with the very same email and phone.
    amina = await newCustomer({
      name: 'Amina Otieno',
      email: 'amina@example.com',
      phone: '+254 712-345 678',
      tags: ['vip'],
    });
    tokens.customer = await t.token({
      companyId: companyA,
      roles: ['customer'],
      customerId: amina.id as string,
    });
    step();
    brian = await newCustomer({
      name: 'Brian Otieno',
      email: 'brian@example.com',
      phone: '+254 733 000 111',
    });
    step();
    wanjiru = await newCustomer({ name: 'Amina Wanjiru', email: 'wanjiru.amina@example.com' });
    other = await newCustomer(
      { name: 'Amina Otieno', email: 'amina@example.com', phone: '+254 712-345 678' },
      tokens.adminB,
    );
    step();

    // Credit: a limit of 100,000 (requested by an agent, approved by a manager) and four invoices that
    // land in four aging buckets as of today.
    const adjustment = await request(t.url)
      .post(`/v1/customers/${amina.id}/credit/adjustments`)
      .set(as(tokens.agent))
      .send({ adjustment_type: 'increase', amount_minor: 100_000, reason: 'Good payer' })
      .expect(201);
    await request(t.url)
      .post(`/v1/credit/adjustments/${adjustment.body.id}/approve`)
      .set(as(tokens.manager))
      .send({})
      .expect(200);
    await issuedInvoice(amina.id as string, 7_000, daysBefore(100), 0); // 100 days past due: 90+
    await issuedInvoice(amina.id as string, 5_000, daysBefore(45), 0); // 31-60
    await issuedInvoice(amina.id as string, 20_000, daysBefore(10), 0); // 1-30
    invoiceCurrent = await issuedInvoice(amina.id as string, 10_000, daysBefore(0), 30); // current
    step();

    // A payment the customer's balance cannot cover (declined by the gateway).
    const paid = await request(t.url)
      .post('/v1/payments')
      .set(as(tokens.agent))
      .set('idempotency-key', randomUUID())
      .send({
        customer_id: amina.id,
        amount_minor: 5_000,
        currency: 'KES',
        method: 'mobile_money',
        purpose_type: 'invoice',
        purpose_id: invoiceCurrent,
        phone: PHONE_BROKE,
      })
      .expect(201);
    failedPayment = await waitFor(
      async () => {
        const p = await payment(paid.body.id as string);
        return p.status === 'failed' ? p : undefined;
      },
      { what: 'the declined payment' },
    );
    step();

    // WiFi: a day package bought by mobile money (with usage reported by an access controller), and a
    // voucher redeemed for her.
    const day = await request(t.url)
      .post('/v1/packages')
      .set(as(tokens.admin))
      .send({
        name: 'Daily 1 GB',
        price_minor: 2_000,
        currency: 'KES',
        duration_seconds: 86_400,
        data_cap_bytes: 1e9,
      })
      .expect(201);
    const kiosk = await request(t.url)
      .post('/v1/packages')
      .set(as(tokens.admin))
      .send({ name: 'Kiosk day pass', price_minor: 1_000, currency: 'KES', duration_seconds: 86_400 })
      .expect(201);
    deviceKey = (
      await request(t.url).post('/v1/access-devices').set(as(tokens.admin)).send({ name: 'ap-1' }).expect(201)
    ).body.key as string;
    const bought = await request(t.url)
      .post('/v1/sessions')
      .set(as(tokens.agent))
      .set('idempotency-key', randomUUID())
      .send({ customer_id: amina.id, package_id: day.body.id, phone: PHONE_OK })
      .expect(201);
    await waitFor(async () => (await session(bought.body.id as string)).status === 'active', {
      what: 'the bought session to start',
    });
    await request(t.url)
      .post(`/v1/sessions/${bought.body.id}/usage`)
      .set('x-device-key', deviceKey)
      .send({ sequence: 1, bytes_in: 1_500_000, bytes_out: 250_000 })
      .expect(200);
    purchased = await session(bought.body.id as string);
    step();
    const batch = await request(t.url)
      .post('/v1/vouchers/batches')
      .set(as(tokens.admin))
      .send({ package_id: kiosk.body.id, count: 1 })
      .expect(201);
    voucherCode = batch.body.codes[0] as string;
    const redeemed = await request(t.url)
      .post('/v1/sessions')
      .set(as(tokens.agent))
      .set('idempotency-key', randomUUID())
      .send({ customer_id: amina.id, voucher_code: voucherCode })
      .expect(201);
    voucherSession = await session(redeemed.body.id as string);
    expect(voucherSession.status).toBe('active');
    step();

    // Bank accounts: one completes, one is refused (bad routing number, no holder), and one is stuck
    // while the validation service answers 500; Brian's waits for a service that does not answer.
    const completed = await bankRequest(amina.id as string, ACCOUNTS.completed);
    await bankStatus(completed.id as string, 'completed');
    step();
    const refused = await bankRequest(amina.id as string, ACCOUNTS.refused, BAD_ROUTING, ' ');
    await bankStatus(refused.id as string, 'failed');
    step();
    await sim.http.control({ fail_status: 500, fault_paths: ['/bank/'] });
    const stuck = await bankRequest(amina.id as string, ACCOUNTS.stuck);
    await bankStatus(stuck.id as string, 'waiting_external');
    stuckAt = clock.now();
    step();
    await sim.http.control({ fail_status: null, hang: true });
    const slow = await bankRequest(brian.id as string, ACCOUNTS.brian);
    await bankStatus(slow.id as string, 'waiting_external');
    await sim.http.control({ hang: false });
    requests = {
      completed: await bankStatus(completed.id as string, 'completed'),
      refused: await bankStatus(refused.id as string, 'failed'),
      stuck: await bankStatus(stuck.id as string, 'waiting_external'),
      brian: await bankStatus(slow.id as string, 'waiting_external'),
    };
    step();

    // Tickets: one left open past its first-response target (two hours, seed 004), one resolved.
    const opened = await request(t.url)
      .post('/v1/tickets')
      .set(as(tokens.agent))
      .send({
        customer_id: amina.id,
        subject: `Card ${CARD} charged twice; account ${ACCOUNTS.inSubject}`,
        description: 'The customer says the package was charged twice.',
        category: 'billing',
        priority: 'high',
      })
      .expect(201);
    clock.advance(180);
    const second = await request(t.url)
      .post('/v1/tickets')
      .set(as(tokens.agent))
      .send({
        customer_id: amina.id,
        subject: 'WiFi slow in the evening',
        description: 'Slow.',
        category: 'technical',
      })
      .expect(201);
    step();
    await request(t.url)
      .post(`/v1/tickets/${second.body.id}/status`)
      .set(as(tokens.agent))
      .send({ status: 'resolved' })
      .expect(200);
    ticketOpen = (await request(t.url).get(`/v1/tickets/${opened.body.id}`).set(as(tokens.agent)).expect(200))
      .body;
    ticketResolved = (
      await request(t.url).get(`/v1/tickets/${second.body.id}`).set(as(tokens.agent)).expect(200)
    ).body;
    step();
    await settledDeliveries(amina.id as string);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
    await smtp?.stop();
    await sms?.stop();
    if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
  });

  it('finds a customer by number, name, email, phone, ticket, payment and session, never in another company', async () => {
    const hit = (customer: Doc, matchedBy: string) => ({
      customer_id: customer.id,
      customer_number: customer.customer_number,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
      status: 'active',
      matched_by: matchedBy,
    });
    expect(await search(amina.customer_number as string)).toEqual([hit(amina, 'customer_number')]);
    expect(await search((amina.customer_number as string).toLowerCase().replace('-0000', ''))).toEqual([
      hit(amina, 'customer_number'),
    ]);
    // Exact email first, then the text match inside another address.
    expect(await search('AMINA@example.com')).toEqual([hit(amina, 'email'), hit(wanjiru, 'email')]);
    for (const phone of ['0712 345678', '+254712345678', '(254) 712-345-678', '712345678']) {
      expect(await search(phone)).toEqual([hit(amina, 'phone')]);
    }
    const byName = await search('amina');
    expect(byName.map((h) => h.customer_id).sort()).toEqual([amina.id, wanjiru.id].sort());
    expect(byName.every((h) => h.matched_by === 'name')).toBe(true);
    const bySurname = await search('OTIENO');
    expect(bySurname.map((h) => h.customer_id).sort()).toEqual([amina.id, brian.id].sort());
    expect(await search(ticketOpen.ticket_number as string)).toEqual([hit(amina, 'ticket_number')]);
    expect(await search((ticketOpen.ticket_number as string).toLowerCase())).toEqual([
      hit(amina, 'ticket_number'),
    ]);
    expect(await search(failedPayment.id as string)).toEqual([hit(amina, 'payment_id')]);
    expect(await search((purchased.id as string).toUpperCase())).toEqual([hit(amina, 'session_id')]);
    expect(await search('nobody-like-this')).toEqual([]);

    // The other company's customer has the same name, email and phone: only its own staff find her, and
    // they find nothing by company A's keys.
    for (const q of ['amina@example.com', '0712345678', 'Amina Otieno']) {
      const ids = (await search(q, tokens.adminB)).map((h) => h.customer_id);
      expect(ids).toEqual([other.id]);
      expect((await search(q)).map((h) => h.customer_id)).not.toContain(other.id);
    }
    for (const q of [failedPayment.id, purchased.id, ticketOpen.ticket_number]) {
      expect(await search(q as string, tokens.adminB)).toEqual([]);
    }
    // Customer numbers are per company: the same number is the other company's own customer there.
    expect((await search(amina.customer_number as string, tokens.adminB)).map((h) => h.customer_id)).toEqual([
      other.id,
    ]);

    const short = await consoleGet('/search?q=%20a%20', tokens.agent, 400);
    expect(short.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(short.body.errors).toEqual([expect.objectContaining({ field: 'q' })]);
    await consoleGet(`/search?q=${'x'.repeat(201)}`, tokens.agent, 400);
    await consoleGet('/search', tokens.agent, 400);
    expect(await search('x'.repeat(200))).toEqual([]);
    // Whatever is typed, an answer (never a 500): LIKE wildcards, quotes, long digit runs, odd keys.
    for (const q of [
      '%_\\',
      "o'; DROP TABLE customers;--",
      '1'.repeat(200),
      '0'.repeat(20),
      'TKT-99999999-999999999',
      'CUST-999999999999',
      'ａｍｉｎａ',
      '++',
    ]) {
      expect(await search(q)).toEqual([]);
    }
    await consoleGet('/search?q=amina', tokens.customer, 403);
    await request(t.url).get('/v1/console/search?q=amina').expect(401);
  });

  it('answers the customer page: credit, journey, tickets, payments, sessions, notifications, bank accounts, audit', async () => {
    const doc = await documentOf(amina.id as string);
    expect(Object.keys(doc).sort()).toEqual(
      [
        'audit',
        'bank_accounts',
        'credit',
        'customer',
        'journey',
        'notifications',
        'payments',
        'permissions',
        'sessions',
        'tickets',
      ].sort(),
    );
    expect(doc.customer).toEqual({
      id: amina.id,
      customer_number: amina.customer_number,
      name: 'Amina Otieno',
      email: 'amina@example.com',
      phone: '+254 712-345 678',
      status: 'active',
      created_at: amina.created_at,
      tags: ['vip'],
    });
    expect(doc.credit).toEqual({
      currency: 'KES',
      limit_minor: 100_000,
      exposure_minor: 42_000,
      available_minor: 58_000,
      utilisation: 0.42,
      aging: { current: 10_000, d1_30: 20_000, d31_60: 5_000, d61_90: 0, d90_plus: 7_000 },
    });

    // The journey: the timeline's events, newest first, each with its stage's name and normal time.
    const timeline = (
      await request(t.url)
        .get(`/v1/customers/${amina.id}/journey?limit=200`)
        .set(as(tokens.agent))
        .expect(200)
    ).body.data as Doc[];
    expect(timeline.length).toBeGreaterThan(20);
    expect(doc.journey.events).toHaveLength(timeline.length);
    expect(
      (doc.journey.events as Doc[]).map(({ stage_name: _n, normal_max_ms: _m, ...rest }) => rest),
    ).toEqual(
      [...timeline].reverse().map((e) => ({
        id: e.id,
        flow: e.flow,
        stage: e.event_type,
        status: e.status,
        error_type: e.error_type,
        duration_ms: e.duration_ms,
        occurred_at: e.occurred_at,
        response_text: e.response_text,
      })),
    );
    const events = doc.journey.events as Doc[];
    const external = events.find((e) => e.stage === 'external_validation_completed' && e.status === 'error');
    expect(external).toMatchObject({
      flow: 'bank_account_setup',
      stage_name: 'External validation',
      error_type: 'external_service_error',
      normal_max_ms: 200,
      occurred_at: stuckAt.toISOString(),
      response_text: DEFAULT_RESPONSE_TEMPLATES.external_service_error,
    });
    expect(events[0]).toMatchObject({
      flow: 'ticket_submission',
      stage: 'ticket_submitted',
      normal_max_ms: null,
    });
    expect(events.find((e) => e.stage === 'bank_account_setup_completed')).toMatchObject({
      stage_name: 'Process completed',
      normal_max_ms: 500,
    });
    expect(events.find((e) => e.stage === 'validation_failed')).toMatchObject({
      stage_name: 'Validation failed',
      error_type: 'validation_error',
      normal_max_ms: 100,
      response_text: DEFAULT_RESPONSE_TEMPLATES.validation_error,
    });
    expect(events.filter((e) => e.stage === 'message_received').map((e) => e.normal_max_ms)).toEqual([
      500, 500, 500,
    ]);
    const stuckFor = clock.now().getTime() - stuckAt.getTime();
    expect(stuckFor).toBe(184 * 60_000);
    expect(doc.journey.stuck).toEqual({
      stage: 'external_validation_completed',
      stage_name: 'External validation',
      since: stuckAt.toISOString(),
      stuck_for_ms: stuckFor,
      normal_max_ms: 100,
      check: [expect.stringContaining('external bank validation service status')],
    });

    // Tickets: the open one first (its first response is an hour overdue), then the resolved one; the card
    // and account numbers its subject carries are masked.
    const due = (ticket: Doc, minutes: number) =>
      new Date(new Date(ticket.created_at as string).getTime() + minutes * 60_000).toISOString();
    expect(doc.tickets).toEqual([
      {
        id: ticketOpen.id,
        number: ticketOpen.ticket_number,
        subject: 'Card ***************1111 charged twice; account *******6211',
        status: ticketOpen.status,
        priority: 'high',
        escalation_level: 0,
        first_response_due_at: due(ticketOpen, 120),
        resolution_due_at: due(ticketOpen, 1440),
        breached: true,
        created_at: ticketOpen.created_at,
      },
      {
        id: ticketResolved.id,
        number: ticketResolved.ticket_number,
        subject: 'WiFi slow in the evening',
        status: 'resolved',
        priority: 'normal',
        escalation_level: 0,
        first_response_due_at: due(ticketResolved, 120),
        resolution_due_at: due(ticketResolved, 1440),
        breached: false,
        created_at: ticketResolved.created_at,
      },
    ]);
    expect(['new', 'open']).toContain(ticketOpen.status);

    // Payments, newest first: the package bought, then the declined invoice payment with its code.
    expect(doc.payments).toEqual([
      {
        id: purchased.payment_id,
        amount_minor: 2_000,
        currency: 'KES',
        status: 'succeeded',
        error_code: null,
        error_class: null,
        created_at: (await payment(purchased.payment_id as string)).created_at,
      },
      {
        id: failedPayment.id,
        amount_minor: 5_000,
        currency: 'KES',
        status: 'failed',
        error_code: '1',
        error_class: 'payment_declined',
        created_at: failedPayment.created_at,
      },
    ]);

    // Sessions: both active, newest first, with the usage the access controller reported.
    const sessionLine = (s: Doc) => ({
      id: s.id,
      package_name: s.package_name,
      status: 'active',
      started_at: s.started_at,
      expires_at: s.expires_at,
      bytes_in: s.usage.bytes_in,
      bytes_out: s.usage.bytes_out,
      data_cap_bytes: s.data_cap_bytes,
    });
    expect(doc.sessions).toEqual([sessionLine(voucherSession), sessionLine(purchased)]);
    expect(doc.sessions[1]).toMatchObject({
      package_name: 'Daily 1 GB',
      bytes_in: 1_500_000,
      bytes_out: 250_000,
    });
    expect(doc.sessions[0]).toMatchObject({ package_name: 'Kiosk day pass', data_cap_bytes: null });

    // Notifications: what the deliveries admin lists for her, newest first; SMS refused by the provider.
    const deliveries = await deliveriesOf(amina.id as string);
    expect(doc.notifications).toEqual(
      deliveries.map((d) => ({
        delivery_id: d.id,
        template: d.type,
        channel: d.channel,
        status: d.status,
        attempts: d.attempts,
        last_error: d.last_error,
        created_at: d.created_at,
        sent_at: d.sent_at,
      })),
    );
    expect((doc.notifications as Doc[]).map((n) => `${n.template} ${n.channel} ${n.status}`).sort()).toEqual(
      [
        'session.started email sent',
        'session.started email sent',
        'session.started in_app sent',
        'session.started in_app sent',
        'session.started sms failed',
        'session.started sms failed',
        'ticket.resolved email sent',
        'ticket.resolved in_app sent',
        'ticket.submitted email sent',
        'ticket.submitted email sent',
        'ticket.submitted in_app sent',
        'ticket.submitted in_app sent',
      ].sort(),
    );
    expect((doc.notifications as Doc[]).find((n) => n.channel === 'sms')?.last_error).toMatch(/422|refused/);

    // Bank accounts: the requests, newest first, with the last four digits only.
    expect(doc.bank_accounts).toEqual(
      (['stuck', 'refused', 'completed'] as const).map((key) => ({
        request_id: requests[key].id,
        status: requests[key].status,
        account_last4: ACCOUNTS[key].slice(-4),
        created_at: requests[key].created_at,
        error_type: requests[key].error?.type ?? null,
      })),
    );
    expect((doc.bank_accounts as Doc[]).map((b) => [b.status, b.error_type])).toEqual([
      ['waiting_external', 'external_service_error'],
      ['failed', 'validation_error'],
      ['completed', null],
    ]);

    expect(doc.audit).toEqual([
      { at: amina.created_at, actor: 'agent-1', action: 'created', summary: 'Customer created' },
    ]);
    expect(doc.permissions).toEqual({
      comment: true,
      retry_notification: false,
      rerun_bank_setup: true,
      change_status: false,
    });

    // A customer with nothing: empty lists, no credit, nothing stuck.
    const quiet = await documentOf(wanjiru.id as string, tokens.viewer);
    expect(quiet).toMatchObject({
      credit: null,
      journey: { events: [], stuck: null },
      tickets: [],
      payments: [],
      sessions: [],
      notifications: [],
      bank_accounts: [],
    });
  });

  it('answers 404 for another company’s or a missing customer, 403 to customer tokens', async () => {
    await consoleGet(`/customers/${other.id}`, tokens.agent, 404);
    await consoleGet(`/customers/${amina.id}`, tokens.adminB, 404);
    await consoleGet(`/customers/${randomUUID()}`, tokens.agent, 404);
    await consoleGet('/customers/not-a-uuid', tokens.agent, 404);
    await consoleGet(`/customers/${amina.id}`, tokens.customer, 403);
    await consoleGet('/stuck', tokens.customer, 403);
    expect((await documentOf(other.id as string, tokens.adminB)).customer.id).toBe(other.id);
  });

  it('shows who is stuck now, by stage, with what to check', async () => {
    const stuck = (await consoleGet('/stuck')).body.data as Doc[];
    expect(stuck).toEqual([
      {
        flow: 'bank_account_setup',
        stage: 'external_validation_completed',
        stage_name: 'External validation',
        normal_max_ms: 100,
        check: [expect.stringContaining('external bank validation service status')],
        customers: [
          {
            customer_id: amina.id,
            customer_number: amina.customer_number,
            name: 'Amina Otieno',
            since: stuckAt.toISOString(),
            stuck_for_ms: clock.now().getTime() - stuckAt.getTime(),
            error_type: 'external_service_error',
          },
          {
            customer_id: brian.id,
            customer_number: brian.customer_number,
            name: 'Brian Otieno',
            since: new Date(stuckAt.getTime() + 60_000).toISOString(),
            stuck_for_ms: clock.now().getTime() - stuckAt.getTime() - 60_000,
            error_type: 'timeout_error',
          },
        ],
      },
    ]);
    expect((await consoleGet('/stuck', tokens.adminB)).body.data).toEqual([]);
  });

  it('re-runs a stuck bank setup once, durably through the queue, and refuses what is not stuck', async () => {
    const retry = (id: string, token = tokens.agent) =>
      request(t.url).post(`/v1/bank-accounts/requests/${id}/retry`).set(as(token));
    const completedBefore = await retry(requests.completed.id as string).expect(409);
    expect(completedBefore.body.type).toMatch(/bank-account-request-completed$/);
    expect((await retry(requests.refused.id as string).expect(409)).body.type).toMatch(
      /bank-account-request-refused$/,
    );
    await retry(randomUUID()).expect(404);
    await retry(requests.stuck.id as string, tokens.adminB).expect(404);
    await retry(requests.stuck.id as string, tokens.viewer).expect(403);
    await retry(requests.stuck.id as string, tokens.customer).expect(403);

    // A request that just moved is within its normal time.
    await sim.http.control({ fail_status: 500 });
    const fresh = await bankRequest(wanjiru.id as string, '73519846212');
    await bankStatus(fresh.id as string, 'waiting_external');
    const early = await retry(fresh.id as string).expect(409);
    expect(early.body.type).toMatch(/bank-account-request-in-progress$/);
    await sim.http.control({ fail_status: null });

    // Two agents press "re-run" at once: one re-run.
    const [first, second] = await Promise.all([
      retry(requests.stuck.id as string),
      retry(requests.stuck.id as string),
    ]);
    expect([first.status, second.status].sort()).toEqual([202, 409]);
    const accepted = first.status === 202 ? first : second;
    expect(accepted.body).toMatchObject({ id: requests.stuck.id, status: 'queued', error: null });
    const done = await bankStatus(requests.stuck.id as string, 'completed');
    expect(done.account_number_last4).toBe(ACCOUNTS.stuck.slice(-4));
    const once = async (sql: string) => (await t.db.query(sql, [requests.stuck.id])).rowCount;
    expect(await once(`SELECT 1 FROM bank_accounts WHERE request_id = $1`)).toBe(1);
    expect(
      await once(
        `SELECT 1 FROM outbox_events WHERE type = 'BankAccountCreated' AND metadata->>'request_id' = $1`,
      ),
    ).toBe(1);
    expect(
      await once(
        `SELECT 1 FROM outbox_events WHERE type = 'BankAccountSetupRequested' AND metadata->>'request_id' = $1`,
      ),
    ).toBe(2);
    expect(
      await once(
        `SELECT 1 FROM journey_events WHERE event_type = 'bank_account_setup_completed' AND fields->>'request_id' = $1`,
      ),
    ).toBe(1);
    await retry(requests.stuck.id as string).expect(409);

    // The page shows it: completed, the re-run in the audit trail and the journey, nothing stuck.
    const doc = await documentOf(amina.id as string);
    expect(doc.bank_accounts[0]).toMatchObject({
      request_id: requests.stuck.id,
      status: 'completed',
      error_type: null,
    });
    expect(doc.audit[0]).toEqual({
      at: clock.now().toISOString(),
      actor: 'agent-1',
      action: 'bank_setup_rerun',
      summary: 'Bank account setup re-run (was waiting_external)',
    });
    const rerun = (doc.journey.events as Doc[]).filter((e) => e.stage === 'setup_retry_requested');
    expect(rerun).toHaveLength(1);
    expect(doc.journey.events[0]).toMatchObject({ stage: 'bank_account_setup_completed', status: 'success' });
    expect(doc.journey.stuck).toBeNull();
    const stuckNow = (await consoleGet('/stuck')).body.data as Doc[];
    expect(stuckNow.flatMap((g) => (g.customers as Doc[]).map((c) => c.customer_id))).toEqual([brian.id]);

    // A manager re-runs Brian's, which waited for a service that never answered.
    await retry(requests.brian.id as string, tokens.manager).expect(202);
    await bankStatus(requests.brian.id as string, 'completed');
  });

  it('gives each role the actions the server allows, and the server refuses the rest', async () => {
    const failedSms = (await deliveriesOf(amina.id as string)).find((d) => d.status === 'failed')!;
    const actions = {
      comment: () =>
        request(t.url)
          .post(`/v1/tickets/${ticketOpen.id}/comments`)
          .send({ body: 'Checking with billing.', internal: true }),
      retry_notification: () => request(t.url).post(`/v1/notifications/deliveries/${failedSms.id}/retry`),
      rerun_bank_setup: () => request(t.url).post(`/v1/bank-accounts/requests/${requests.refused.id}/retry`),
      change_status: () =>
        request(t.url)
          .post(`/v1/customers/${brian.id}/status`)
          .send({ status: 'inactive', reason: 'Asked to pause the account' }),
    };
    const expected = {
      viewer: { comment: false, retry_notification: false, rerun_bank_setup: false, change_status: false },
      agent: { comment: true, retry_notification: false, rerun_bank_setup: true, change_status: false },
      manager: { comment: true, retry_notification: false, rerun_bank_setup: true, change_status: true },
      admin: { comment: true, retry_notification: true, rerun_bank_setup: true, change_status: true },
    };
    for (const role of ['viewer', 'agent', 'manager', 'admin'] as const) {
      const { permissions } = await documentOf(amina.id as string, tokens[role]);
      expect(permissions).toEqual(expected[role]);
      for (const [action, call] of Object.entries(actions) as Array<
        [keyof typeof actions, () => request.Test]
      >) {
        const res = await call().set(as(tokens[role]));
        // Allowed: the route did its work or refused the state (409), never the role.
        if (permissions[action]) expect([200, 201, 202, 409]).toContain(res.status);
        else expect(res.status).toBe(403);
      }
      if (role === 'manager') {
        // The status changed once; the admin's attempt from the same status is the 409 above.
        const statusNow = await documentOf(brian.id as string, tokens.viewer);
        expect(statusNow.customer.status).toBe('inactive');
        expect(statusNow.audit[0]).toEqual({
          at: clock.now().toISOString(),
          actor: 'manager-1',
          action: 'status_changed',
          summary: 'Status active → inactive: Asked to pause the account',
        });
      }
    }
    const comments = (
      await request(t.url).get(`/v1/tickets/${ticketOpen.id}/comments`).set(as(tokens.agent)).expect(200)
    ).body.data as Doc[];
    expect(comments.map((c) => c.author_id).sort()).toEqual(['admin-1', 'agent-1', 'manager-1']);
  });

  it('never puts a full account number, card number, device key, voucher code, token or secret in an answer', async () => {
    // One more of every read, by every role, on top of what the tests above fetched.
    for (const token of [tokens.viewer, tokens.agent, tokens.manager, tokens.admin]) {
      await documentOf(amina.id as string, token);
      await documentOf(brian.id as string, token);
      await consoleGet('/stuck', token);
      await search('amina', token);
    }
    expect(consoleBodies.length).toBeGreaterThan(40);
    const all = consoleBodies.join('\n');
    expect(all).toContain(ACCOUNTS.completed.slice(-4)); // the scan reads real answers
    const secrets = [
      ...Object.values(ACCOUNTS),
      GOOD_ROUTING,
      deviceKey,
      voucherCode,
      voucherCode.replace(/-/g, ''),
      TEST_JWT_SECRET,
      TEST_GATEWAY_SECRET,
      SMS_KEY,
      t.config.BANK_ACCOUNT_ENCRYPTION_KEY,
      ...Object.values(tokens),
    ];
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]*/); // nothing shaped like a JWT
    expect(cardLikeRuns(all)).toEqual([]);
    expect(cardLikeRuns(`paid with ${CARD} yesterday`)).toEqual([CARD]); // the scan can fail
  });

  describe('the page at /console', () => {
    it('serves the built app with the console CSP, without a token', async () => {
      for (const path of ['/console', '/console/']) {
        const page = await request(t.url).get(path).expect(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.headers['content-security-policy']).toBe(CSP);
        expect(page.headers['cache-control']).toBe('no-cache');
        expect(page.text).toBe(INDEX_HTML);
      }
      const script = await request(t.url).get('/console/assets/app-5ZQJ4K2M.js').expect(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(script.headers['content-security-policy']).toBe(CSP);
      const logo = await request(t.url).get('/console/assets/logo.svg').expect(200);
      expect(logo.headers['cache-control']).toBe('no-cache');
      const missing = await request(t.url).get('/console/assets/nope.js').expect(404);
      expect(missing.headers['content-security-policy']).toBe(CSP);
      await request(t.url).get('/console/.env').expect(404);
      const escape = await request(t.url).get('/console/%2e%2e/%2e%2e/package.json');
      expect([400, 403, 404]).toContain(escape.status);
      expect(escape.text).not.toContain('"name": "custops"');
      // The API keeps its own headers: no page CSP on /v1 or health.
      const api = await request(t.url).get('/health/live').expect(200);
      expect(api.headers['content-security-policy']).toBeUndefined();
    });

    it('answers 503 while the console is not built, and the service still runs', async () => {
      const bare = await startTestApp({
        env: { APP_ROLE: 'api', CONSOLE_DIR: join(consoleDir, 'not-built') },
      });
      try {
        for (const path of ['/console', '/console/', '/console/assets/app.js']) {
          const res = await request(bare.url).get(path).expect(503);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body).toMatchObject({ status: 503, type: expect.stringMatching(/console-not-built$/) });
          expect(res.headers['content-security-policy']).toBe(CSP);
        }
        await request(bare.url).get('/health/live').expect(200);
        const admin = await bare.token({ roles: ['admin'] });
        await request(bare.url).get('/v1/console/stuck').set(as(admin)).expect(200);
      } finally {
        await bare.close();
      }
    });
  });
});
