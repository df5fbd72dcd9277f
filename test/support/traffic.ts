import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CreditUtilisationTask } from '../../src/modules/invoices/credit/credit-utilisation.task';
import { MaintenanceScanner } from '../../src/modules/maintenance/maintenance-scanner';
import { StatementGenerator } from '../../src/modules/statements/statement-generator';
import { SlaScanner } from '../../src/modules/tickets/sla/sla-scanner';
import { Clock } from '../../src/platform/clock/clock';
import type { Role } from '../../src/platform/auth/principal';
import { startTestApp, TestApp } from './app';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './gateway-sim';
import { HttpStub, SmtpSink } from './peers';
import { waitFor, waitUntilQuiet } from './wait';

/** Real time plus an offset the driver moves for a moment (SLA breaches), then puts back. */
export class ShiftedClock extends Clock {
  offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const PHONE_OK = '+254700000001';
const PHONE_BROKE = '+254700000011'; // the simulator answers result 1: insufficient balance
const GOOD_ROUTING = '021000021';
const BAD_ROUTING = '021000022';
const DAY_MS = 86_400_000;

/** A status assertion that says what the service answered instead. */
const is = (status: number) => (res: request.Response) => {
  if (res.status !== status) {
    const req = res.request as unknown as { method: string; url: string };
    throw new Error(`${req.method} ${req.url} answered ${res.status}, expected ${status}: ${res.text}`);
  }
};

/** The app with every peer it talks to on loopback: SMTP, an SMS provider, the payment/bank simulator. */
export interface TrafficApp {
  t: TestApp;
  clock: ShiftedClock;
  close(): Promise<void>;
}

export async function startTrafficApp(env: Record<string, string> = {}): Promise<TrafficApp> {
  const sim = await startTestGatewaySim({ callbackDelayMs: 50 });
  await sim.http.control({ result_code_for_phone: { [PHONE_BROKE]: 1 } });
  const smtp = await new SmtpSink().start();
  const sms = await new HttpStub().start();
  const storageDir = await mkdtemp(join(tmpdir(), 'custops-traffic-'));
  const clock = new ShiftedClock();
  const t = await startTestApp({
    clock,
    env: {
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: '10',
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: sms.url('/messages'),
      SMS_API_KEY: 'test-sms-key',
      PAYMENT_GATEWAY_URL: sim.url,
      PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      BANK_VALIDATION_URL: sim.url,
      STORAGE_DIR: storageDir,
      // The driver runs the scanners itself, at the moment it chooses.
      TICKET_SLA_SCAN_INTERVAL_MS: '3600000',
      MAINTENANCE_SCAN_INTERVAL_MS: '3600000',
      ...env,
    },
  });
  t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
  return {
    t,
    clock,
    close: async () => {
      await t.close();
      await sim.close();
      await smtp.stop();
      await sms.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/**
 * Drives every module through its real API, so that every metric the service exports has series:
 * customers (contacts, communications, status changes, search, delete, restore), invoices and credit
 * (limit, rejection, breach, nightly utilisation), aging, statements (one generated, one failed),
 * imports (success and failure) and exports, tickets (submit, comment, resolve, CSAT, SLA breach and
 * escalation), knowledge base feedback and a content review, maintenance notices, payments through the
 * gateway simulator (a success and a failure), bank-account setups (completed and refused), journeys,
 * WiFi sessions (package, purchase, usage, termination, one left active) and notifications.
 */
export async function driveEveryModule({ t, clock }: TrafficApp): Promise<void> {
  const companyId = randomUUID();
  await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Observability Telecom')`, [companyId]);
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'manager', 'agent', 'viewer'] as Role[]) {
    tokens[role] = await t.token({ companyId, roles: [role], userId: `${role}-1` });
  }
  const as = (role: Role | { token: string }) => ({
    authorization: `Bearer ${typeof role === 'string' ? tokens[role] : role.token}`,
  });
  const api = () => request(t.url);

  const newCustomer = async (body: Record<string, unknown> = {}) => {
    const created = await api()
      .post('/v1/customers')
      .set(as('agent'))
      .send({
        name: 'Amina Otieno',
        email: `o${randomUUID().slice(0, 8)}@example.com`,
        phone: '+254712345678',
        currency: 'KES',
        source: 'web_ui',
        ...body,
      })
      .expect(is(201));
    const id = created.body.id as string;
    return { id, token: await t.token({ companyId, roles: ['customer'], customerId: id }) };
  };
  const openInvoice = async (customerId: string, amount: number, expectStatus = 200) => {
    const draft = await api()
      .post('/v1/invoices')
      .set(as('agent'))
      .send({
        customer_id: customerId,
        issue_date: new Date(Date.now() - 45 * DAY_MS).toISOString().slice(0, 10),
        payment_terms_days: 30,
        lines: [{ description: 'Service', quantity: 1, unit_price_minor: amount }],
      })
      .expect(is(201));
    await api()
      .post(`/v1/invoices/${draft.body.id}/issue`)
      .set(as('agent'))
      .send({})
      .expect(is(expectStatus));
    return draft.body.id as string;
  };

  // --- tickets first: the SLA breach moves the clock for a moment, before anything else runs ----------------
  const tickets = async () => {
    await api()
      .put('/v1/staff/agent-1')
      .set(as('admin'))
      .send({ name: 'Agent One', email: 'agent-1@example.com', roles: ['agent'], department: 'technical' })
      .expect(is(200));
    const customer = await newCustomer({ name: 'Ticket Holder' });
    const submit = (subject: string, priority = 'normal') =>
      api()
        .post('/v1/tickets')
        .set(as(customer))
        .send({ subject, description: 'No light on the router', category: 'technical', priority })
        .expect(is(201))
        .then((r) => r.body as { id: string });
    const answered = await submit('Router down');
    await api()
      .post(`/v1/tickets/${answered.id}/comments`)
      .set(as('agent'))
      .send({ body: 'Please restart it' })
      .expect(is(201));
    await api()
      .post(`/v1/tickets/${answered.id}/assign`)
      .set(as('agent'))
      .send({ assignee_id: 'agent-1' })
      .expect(is(200));
    await api()
      .post(`/v1/tickets/${answered.id}/status`)
      .set(as('agent'))
      .send({ status: 'resolved' })
      .expect(is(200));
    // The portal confirmation (with a CSAT rating) is accepted once the resolution request exists.
    await waitFor(
      async () =>
        (
          await api()
            .post(`/v1/tickets/${answered.id}/confirm`)
            .set(as(customer))
            .send({ rating: 5, feedback: 'Quick' })
        ).status === 200,
      { what: 'the resolution confirmation with a rating' },
    );
    // Never answered: a month later both targets are missed and the ticket escalates. The scheduled scan
    // may hold the ticket's row (SKIP LOCKED) at that moment: scan again until this one has escalated.
    const ignored = await submit('Slow speeds', 'high');
    const level = async () =>
      (
        await t.db.query<{ n: number }>(`SELECT escalation_level AS n FROM tickets WHERE id = $1`, [
          ignored.id,
        ])
      ).rows[0].n;
    clock.offsetMs = 30 * DAY_MS;
    try {
      await waitFor(
        async () => {
          await t.app.get(SlaScanner).scan();
          return (await level()) > 0;
        },
        {
          what: 'the escalation of the unanswered ticket',
          intervalMs: 100,
        },
      );
    } finally {
      clock.offsetMs = 0;
    }
    await api().get('/v1/tickets').set(as('agent')).expect(is(200));
    await api().get('/v1/support/analytics').set(as('manager')).expect(is(200));
  };

  const customers = async () => {
    const a = await newCustomer({ name: 'Acme Observability' });
    await api().get(`/v1/customers/${a.id}`).set(as('viewer')).expect(is(200));
    await api().get('/v1/customers').set(as('viewer')).expect(is(200));
    await api().get('/v1/customers?q=Observability').set(as('viewer')).expect(is(200));
    await api()
      .patch(`/v1/customers/${a.id}`)
      .set(as('agent'))
      .send({ email: `acme${randomUUID().slice(0, 6)}@example.com` })
      .expect(is(200));
    await api()
      .post(`/v1/customers/${a.id}/contacts`)
      .set(as('agent'))
      .send({ name: 'Pat', email: 'pat@example.com', contact_type: 'billing', is_primary: true })
      .expect(is(201));
    await api()
      .post(`/v1/customers/${a.id}/communications`)
      .set(as('agent'))
      .send({ channel: 'phone', direction: 'inbound', subject: 'Call', body: 'Asked about invoice' })
      .expect(is(201));
    // Status changes notify the customer (email, SMS, in-app): the notifications module's traffic.
    for (const status of ['inactive', 'blocked', 'active']) {
      await api()
        .post(`/v1/customers/${a.id}/status`)
        .set(as('manager'))
        .send({ status, reason: 'payment review' })
        .expect(is(200));
    }
    await api().get('/v1/notifications').set(as(a)).expect(is(200));
    await api().get(`/v1/customers/${a.id}/audit`).set(as('manager')).expect(is(200));
    const gone = await newCustomer({ name: 'Short Lived' });
    await api().delete(`/v1/customers/${gone.id}?reason=duplicate`).set(as('manager')).expect(is(204));
    await api().post(`/v1/customers/${gone.id}/restore`).set(as('admin')).send({}).expect(is(200));
    await api().get(`/v1/customers/${randomUUID()}`).set(as('viewer')).expect(is(404));
  };

  const credit = async () => {
    const c = await newCustomer({ name: 'Credit Co' });
    const requested = await api()
      .post(`/v1/customers/${c.id}/credit/adjustments`)
      .set(as('agent'))
      .send({ adjustment_type: 'increase', amount_minor: 100_000, reason: 'Good payer' })
      .expect(is(201));
    await api()
      .post(`/v1/credit/adjustments/${requested.body.id}/approve`)
      .set(as('manager'))
      .send({})
      .expect(is(200));
    const refused = await api()
      .post(`/v1/customers/${c.id}/credit/adjustments`)
      .set(as('agent'))
      .send({ adjustment_type: 'increase', amount_minor: 900_000, reason: 'Greedy' })
      .expect(is(201));
    await api()
      .post(`/v1/credit/adjustments/${refused.body.id}/reject`)
      .set(as('manager'))
      .send({ reason: 'no' })
      .expect(is(200));
    await openInvoice(c.id, 90_000);
    const over = await openInvoice(c.id, 30_000, 422); // past the limit: refused, a breach
    await api()
      .post(`/v1/invoices/${over}/issue`)
      .set(as('manager'))
      .send({ override: true, override_reason: 'Paid cash at the desk' })
      .expect(is(200)); // issued on an override: a breach with override_used
    await api().get(`/v1/customers/${c.id}/credit`).set(as('viewer')).expect(is(200));
    await api().get('/v1/credit/breaches').set(as('manager')).expect(is(200));
    await t.app.get(CreditUtilisationTask).run();

    // Aging: the live report and an on-demand snapshot of the overdue invoice above.
    await api().get('/v1/aging').set(as('agent')).expect(is(200));
    const snapshot = await api().post('/v1/aging/snapshots').set(as('agent')).send({}).expect(is(202));
    await waitFor(
      async () =>
        (await api().get(`/v1/aging/snapshots/${snapshot.body.id}`).set(as('agent')).expect(is(200))).body
          .status === 'done',
      { what: 'the aging snapshot' },
    );
  };

  const statements = async () => {
    const c = await newCustomer({ name: 'Statement Co' });
    await openInvoice(c.id, 5_000);
    const requested = await api()
      .post(`/v1/customers/${c.id}/statements`)
      .set(as('agent'))
      .send({ period_months: 1 })
      .expect(is(202));
    await waitFor(
      async () =>
        (await api().get(`/v1/statements/${requested.body.id}`).set(as('viewer')).expect(is(200))).body
          .status === 'generated',
      { what: 'the statement', timeoutMs: 30_000 },
    );
    // A statement whose customer is gone for good fails at once (no retry can bring it back).
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO statements (company_id, customer_id, currency, period_from, period_to, period_months,
                               format, delivery_method, created_at)
       VALUES ($1, $2, 'KES', '2026-01-01', '2026-01-31', 1, 'pdf', 'download', now()) RETURNING id`,
      [companyId, randomUUID()],
    );
    await t.app.get(StatementGenerator).generate(companyId, rows[0].id);
  };

  const files = async () => {
    const upload = async (csv: string) => {
      const accepted = await api()
        .post('/v1/customers/imports')
        .set(as('manager'))
        .attach('file', Buffer.from(csv), 'customers.csv')
        .expect(is(202));
      return waitFor(
        async () => {
          const { body } = await api()
            .get(`/v1/customers/imports/${accepted.body.id}`)
            .set(as('manager'))
            .expect(is(200));
          return body.status === 'queued' || body.status === 'processing' ? undefined : (body as object);
        },
        { what: 'the import', timeoutMs: 30_000 },
      );
    };
    const tag = randomUUID().slice(0, 6);
    await upload(
      `customer_number,name,currency\nOBS-${tag}-1,Imported One,KES\nOBS-${tag}-2,Imported Two,KES\n`,
    );
    await upload('customer_number,name,currency\nBAD-1,,KES\nBAD-2,No Currency,\n'); // every row bad: failure
    await api().get('/v1/customers/export?format=csv').set(as('manager')).expect(is(200));
    await api().get('/v1/customers/imports').set(as('manager')).expect(is(200));
  };

  const knowledge = async () => {
    const article = await api()
      .post('/v1/kb/articles')
      .set(as('agent'))
      .send({
        title: `Reset your router ${randomUUID().slice(0, 6)}`,
        body: 'Hold the reset button for 10 seconds.',
        category: 'connectivity',
      })
      .expect(is(201));
    await api()
      .patch(`/v1/kb/articles/${article.body.id}`)
      .set(as('agent'))
      .send({ status: 'published' })
      .expect(is(200));
    const reader = () => t.token({ companyId, roles: ['customer'], customerId: randomUUID() });
    await api()
      .post(`/v1/kb/articles/${article.body.id}/feedback`)
      .set({ authorization: `Bearer ${await reader()}` })
      .send({ helpful: false, rating: 1, comment: 'Wrong button' })
      .expect(is(201));
    await api()
      .post(`/v1/kb/articles/${article.body.id}/feedback`)
      .set({ authorization: `Bearer ${await reader()}` })
      .send({ helpful: true })
      .expect(is(201));
    await api().get('/v1/kb/articles').set(as('viewer')).expect(is(200));
  };

  const maintenance = async () => {
    await newCustomer({ name: 'WiFi User', tags: ['service:wifi'] });
    const at = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    await api()
      .post('/v1/maintenance')
      .set(as('admin'))
      .send({
        severity: 'major',
        message: 'Core router upgrade.',
        starts_at: at(2),
        ends_at: at(4),
        services: ['wifi'],
      })
      .expect(is(201));
    await t.app.get(MaintenanceScanner).scan(); // within 48 h: announced now
    await api().get('/v1/maintenance').set(as('admin')).expect(is(200));
  };

  const payments = async () => {
    const payer = await newCustomer({ name: 'Payer' });
    const pay = async (phone: string) => {
      const invoice = await openInvoice(payer.id, 10_000);
      const created = await api()
        .post('/v1/payments')
        .set(as('agent'))
        .set('idempotency-key', randomUUID())
        .send({
          customer_id: payer.id,
          amount_minor: 10_000,
          currency: 'KES',
          method: 'mobile_money',
          purpose_type: 'invoice',
          purpose_id: invoice,
          phone,
        })
        .expect(is(201));
      return waitFor(
        async () => {
          const { body } = await api()
            .get(`/v1/payments/${created.body.id}`)
            .set(as('agent'))
            .expect(is(200));
          return ['succeeded', 'failed', 'canceled'].includes(body.status as string)
            ? (body as { status: string })
            : undefined;
        },
        { what: 'the payment to end' },
      );
    };
    await pay(PHONE_OK);
    await pay(PHONE_BROKE);
    await api().get(`/v1/customers/${payer.id}/journey`).set(as('agent')).expect(is(200));
  };

  const bankAccounts = async () => {
    const holder = await newCustomer({ name: 'Account Holder', currency: 'USD' });
    const setup = async (routing: string, number: string) => {
      const accepted = await api()
        .post(`/v1/customers/${holder.id}/bank-accounts`)
        .set(as('admin'))
        .send({
          account_holder_name: 'Account Holder',
          account_type: 'checking',
          routing_number: routing,
          account_number: number,
        })
        .expect(is(202));
      await waitFor(
        async () => {
          const { body } = await api()
            .get(`/v1/bank-accounts/requests/${accepted.body.id}`)
            .set(as('admin'))
            .expect(is(200));
          return ['completed', 'failed', 'rejected'].includes(body.status as string);
        },
        { what: 'the bank-account setup to end', timeoutMs: 20_000 },
      );
    };
    await setup(GOOD_ROUTING, '73519846203');
    await setup(BAD_ROUTING, '73519846204');
    await api().get(`/v1/customers/${holder.id}/journey`).set(as('agent')).expect(is(200));
    await api().get('/v1/journeys/errors').set(as('manager')).expect(is(200));
    await api().get('/v1/journeys/performance').set(as('manager')).expect(is(200));
  };

  const sessions = async () => {
    const user = await newCustomer({ name: 'WiFi Buyer' });
    const deviceKey = (
      await api().post('/v1/access-devices').set(as('admin')).send({ name: 'cbd-1' }).expect(is(201))
    ).body.key as string;
    const pkg = (
      await api()
        .post('/v1/packages')
        .set(as('admin'))
        .send({ name: 'Hourly', price_minor: 5_000, currency: 'KES', duration_seconds: 3_600 })
        .expect(is(201))
    ).body as { id: string };
    const active = async () => {
      const created = await api()
        .post('/v1/sessions')
        .set(as(user))
        .set('idempotency-key', randomUUID())
        .send({ package_id: pkg.id, phone: PHONE_OK })
        .expect(is(201));
      return waitFor(
        async () => {
          const { body } = await api()
            .get(`/v1/sessions/${created.body.id}`)
            .set(as('agent'))
            .expect(is(200));
          return body.status === 'active' ? (body as { id: string }) : undefined;
        },
        { what: 'the session to start' },
      );
    };
    const ended = await active();
    const kept = await active(); // left active: sessions_active has a series
    for (const s of [ended, kept]) {
      await api()
        .post(`/v1/sessions/${s.id}/usage`)
        .set({ 'x-device-key': deviceKey })
        .send({ sequence: 1, bytes_in: 2_000_000, bytes_out: 500_000 })
        .expect(is(200));
      await api().get(`/v1/sessions/${s.id}/authorize`).set({ 'x-device-key': deviceKey }).expect(is(200));
    }
    await api().post(`/v1/sessions/${ended.id}/terminate`).set(as(user)).send({}).expect(is(200));
    await api().get('/v1/reports/sessions').set(as('admin')).expect(is(200));
  };

  await tickets();
  await Promise.all([
    customers(),
    credit(),
    statements(),
    files(),
    knowledge(),
    maintenance(),
    payments(),
    bankAccounts(),
    sessions(),
  ]);
  await request(t.url).get('/health/ready').expect(is(200));
  await request(t.url).get('/health/live').expect(is(200));
  // Until the outbox has handed everything on and deliveries stopped moving.
  await waitUntilQuiet(
    async () => [
      (await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL`)).rows[0]
        .n,
      (await t.db.query(`SELECT status, count(*)::int AS n FROM notification_deliveries GROUP BY status`))
        .rows,
    ],
    500,
    30_000,
  );
}
