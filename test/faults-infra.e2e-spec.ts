import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// The app first: it loads every module in dependency order before a module is imported on its own.
import { startTestApp, TestApp } from './support/app';
import { halfOpenAfterMs } from '../src/modules/payments/gateway/mobile-money.gateway';
import { PaymentReconciler } from '../src/modules/payments/payment-reconciler';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { HttpStub, SmtpSink } from './support/peers';
import { startPrivatePostgres, PrivatePostgres } from './support/private-postgres';
import { freePort, startRedisServer, stop } from './support/processes';
import { waitFor, waitUntilQuiet } from './support/wait';

/**
 * Issue 12: the service under infrastructure faults, on private PostgreSQL and Redis instances (the
 * machine's shared ones are never stopped: other test files run beside this one).
 */

/** A request that has not answered in this long counts as hung. */
const CLIENT_TIMEOUT_MS = 10_000;
const PROBLEM_JSON = /^application\/problem\+json/;

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** One HTTP call with a client-side deadline: a hang becomes a rejected promise, never a stuck test. */
async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** The value of one Prometheus series (0 when absent). */
function metricValue(page: string, series: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('Redis stopped for 30 s under write load', () => {
  const OUTAGE_MS = 30_000;
  type Phase = 'before' | 'during' | 'after';
  interface Write {
    kind: 'customer' | 'ticket';
    phase: Phase;
    status: number;
    id?: string;
    ticketNumber?: string;
    error?: string;
  }

  it('keeps taking writes, reports not-ready, holds the events in the outbox and delivers each once after', async () => {
    const redisDir = await mkdtemp(join(tmpdir(), 'custops-redis-'));
    const port = await freePort();
    let redis = await startRedisServer(port, { appendOnlyDir: redisDir });
    const smtp = await new SmtpSink().start();
    const hooks = await new HttpStub().start();
    const companyId = randomUUID();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({
        env: {
          REDIS_URL: `redis://127.0.0.1:${port}`,
          SMTP_URL: smtp.url,
          // A job whose worker lost Redis mid-run is picked up again this long after Redis returns.
          QUEUE_LOCK_DURATION_MS: '5000',
        },
      });
      const app = t;
      await app.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Outage Telecom')`, [companyId]);
      const admin = await app.token({ companyId, roles: ['admin'] });
      const agent = await app.token({ companyId, roles: ['agent'], userId: 'agent-1' });
      const hook = await call(app.url, 'POST', '/v1/webhooks', {
        token: admin,
        body: { url: hooks.url('/custops'), event_types: ['CustomerCreated'] },
      });
      expect(hook.status).toBe(201);

      // Steady write load: a customer, then a ticket for them, every iteration, in every phase.
      let phase: Phase = 'before';
      let loading = true;
      const writes: Write[] = [];
      /** Sends one write and records it under the phase it started in (a hang or socket error is status 0). */
      const record = async (
        kind: Write['kind'],
        send: () => Promise<Answer>,
      ): Promise<Answer | undefined> => {
        const startedIn = phase;
        try {
          const answer = await send();
          const { id, ticket_number: ticketNumber } = answer.body as { id?: string; ticket_number?: string };
          writes.push({ kind, phase: startedIn, status: answer.status, id, ticketNumber });
          return answer;
        } catch (error) {
          writes.push({ kind, phase: startedIn, status: 0, error: String(error) });
          return undefined;
        }
      };
      const load = (async () => {
        for (let i = 1; loading; i += 1) {
          const customer = await record('customer', () =>
            call(app.url, 'POST', '/v1/customers', {
              token: agent,
              body: {
                name: `Outage customer ${i}`,
                email: `outage-${i}-${randomUUID().slice(0, 8)}@example.com`,
                currency: 'KES',
              },
            }),
          );
          const customerId = customer?.status === 201 ? (customer.body.id as string) : undefined;
          if (customerId) {
            await record('ticket', () =>
              call(app.url, 'POST', '/v1/tickets', {
                token: agent,
                body: {
                  customer_id: customerId,
                  subject: `No internet ${i}`,
                  description: 'The router blinks red',
                  category: 'other',
                },
              }),
            );
          }
          await sleep(100);
        }
      })();
      const ok = (p: Phase, kind: Write['kind']) =>
        writes.filter((w) => w.phase === p && w.kind === kind && w.status === 201);

      try {
        await waitFor(() => ok('before', 'ticket').length >= 5, { what: 'writes before the outage' });
        await waitFor(() => hooks.requests.length >= 1, { what: 'a webhook before the outage' });
        await waitFor(async () => (await call(app.url, 'GET', '/health/ready')).status === 200, {
          what: 'ready before the outage',
        });

        await stop(redis, 'SIGKILL');
        const killedAt = Date.now();
        phase = 'during';

        // Readiness reports Redis, and only Redis, as down, as an RFC 9457 problem.
        const notReady = await waitFor(
          async () => {
            const answer = await call(app.url, 'GET', '/health/ready');
            return answer.status === 503 ? answer : undefined;
          },
          { what: 'readiness to report the outage' },
        );
        expect(notReady.contentType).toMatch(PROBLEM_JSON);
        expect(notReady.body).toMatchObject({ status: 503, checks: { redis: { status: 'down' } } });
        expect(Object.keys(notReady.body.checks as object)).toEqual(['redis']);
        expect((await call(app.url, 'GET', '/health/live')).status).toBe(200);

        await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
        // Still down at the end of the outage; and what was written meanwhile waits in the outbox.
        expect((await call(app.url, 'GET', '/health/ready')).status).toBe(503);
        const duringCustomers = ok('during', 'customer').map((w) => w.id!);
        const duringTickets = ok('during', 'ticket').map((w) => w.ticketNumber!);
        const { rows: pending } = await app.db.query<{ type: string; n: number }>(
          `SELECT type, count(*)::int AS n FROM outbox_events
            WHERE company_id = $1 AND dispatched_at IS NULL
              AND ((type = 'CustomerCreated' AND customer_id = ANY($2::uuid[]))
                OR (type = 'TicketSubmitted' AND metadata->>'ticket_number' = ANY($3::text[])))
            GROUP BY type ORDER BY type`,
          [companyId, duringCustomers, duringTickets],
        );
        phase = 'after';
        redis = await startRedisServer(port, { appendOnlyDir: redisDir });

        expect(duringCustomers.length).toBeGreaterThanOrEqual(10);
        expect(pending).toEqual([
          { type: 'CustomerCreated', n: duringCustomers.length },
          { type: 'TicketSubmitted', n: duringTickets.length },
        ]);

        // Ready again by itself: same process, nothing restarted.
        await waitFor(async () => (await call(app.url, 'GET', '/health/ready')).status === 200, {
          what: 'readiness to recover',
          timeoutMs: 30_000,
        });
        await waitFor(() => ok('after', 'ticket').length >= 5, { what: 'writes after the outage' });
      } finally {
        loading = false;
        await load;
      }

      // Every write in every phase was accepted: none needs Redis (the rate limiter fails open).
      expect(writes.filter((w) => w.status !== 201)).toEqual([]);
      expect(
        app.logs.some((l) => l.level === 'warn' && l.message === 'rate limiting unavailable; failing open'),
      ).toBe(true);

      const customers = writes.filter((w) => w.kind === 'customer').map((w) => w.id!);
      const tickets = writes.filter((w) => w.kind === 'ticket');
      // Every event of the company leaves the outbox...
      await waitFor(
        async () =>
          (
            await app.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM outbox_events WHERE company_id = $1 AND dispatched_at IS NULL',
              [companyId],
            )
          ).rows[0].n === 0,
        { what: 'the outbox to drain', timeoutMs: 60_000 },
      );
      // ...and its durable subscribers have run: a webhook per customer, routing and a confirmation per ticket.
      const webhookFor = (id: string) =>
        hooks.requests.filter((r) => (JSON.parse(r.body) as { customer_id?: string }).customer_id === id);
      const confirmationsOf = (number: string) =>
        smtp.messages.filter((m) => m.subject?.startsWith(`We received your request ${number}:`));
      await waitFor(
        async () => {
          if (!customers.every((id) => webhookFor(id).length > 0)) return false;
          if (!tickets.every((w) => confirmationsOf(w.ticketNumber!).length > 0)) return false;
          const { rows } = await app.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM tickets WHERE company_id = $1 AND status = 'open'`,
            [companyId],
          );
          return rows[0].n === tickets.length;
        },
        { what: 'every subscriber to run', timeoutMs: 60_000 },
      );
      // Quiet for a while, so a late duplicate would be counted too.
      await waitUntilQuiet(
        () => Promise.resolve(hooks.requests.length + smtp.messages.length),
        2_000,
        30_000,
      );

      expect(customers.filter((id) => webhookFor(id).length !== 1)).toEqual([]);
      expect(hooks.requests).toHaveLength(customers.length);
      expect(new Set(hooks.requests.map((r) => r.headers['x-custops-delivery'])).size).toBe(customers.length);
      expect(tickets.filter((w) => confirmationsOf(w.ticketNumber!).length !== 1)).toEqual([]);
      const routed = await app.db.query<{ ticket_id: string; n: number }>(
        `SELECT ticket_id, count(*)::int AS n FROM ticket_history
          WHERE company_id = $1 AND action = 'routed' GROUP BY ticket_id`,
        [companyId],
      );
      expect(routed.rows).toHaveLength(tickets.length);
      expect(routed.rows.every((row) => row.n === 1)).toBe(true);
      const deliveries = await app.db.query<{ type: string; channel: string; status: string; n: number }>(
        `SELECT type, channel, status, count(*)::int AS n FROM notification_deliveries
          WHERE company_id = $1 GROUP BY type, channel, status ORDER BY type, channel`,
        [companyId],
      );
      expect(deliveries.rows).toEqual([
        { type: 'CustomerCreated', channel: 'webhook', status: 'sent', n: customers.length },
        { type: 'ticket.submitted', channel: 'email', status: 'sent', n: tickets.length },
        { type: 'ticket.submitted', channel: 'in_app', status: 'sent', n: tickets.length },
      ]);
      // The relay failed while Redis was away and said so when it recovered, without a restart.
      expect(metricValue(await app.metrics(), 'outbox_relay_failures_total')).toBeGreaterThan(0);
      expect(app.logs.some((l) => l.message === 'outbox relay recovered')).toBe(true);
    } finally {
      await t?.close();
      await stop(redis, 'SIGKILL');
      await smtp.stop();
      await hooks.stop();
      await rm(redisDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('PostgreSQL connections killed and the server restarted', () => {
  let pg: PrivatePostgres;
  let t: TestApp;
  const database = 'custops_faults';
  const companyId = randomUUID();
  let agent: string;
  const acknowledged: string[] = [];

  /** Creates a customer whose email is made of `label`, so a retry with the same key sends the same body. */
  const createCustomer = async (label: string, key: string = randomUUID()): Promise<Answer> => {
    const answer = await call(t.url, 'POST', '/v1/customers', {
      token: agent,
      headers: { 'idempotency-key': key },
      body: { name: `PG ${label}`, email: `pg-${label}@example.com`, currency: 'KES' },
    });
    if (answer.status === 201) acknowledged.push(answer.body.id as string);
    return answer;
  };
  /** What a failure must look like: a 503 problem that tells the client to retry. */
  const expectUnavailableProblem = (answer: Answer) => {
    expect(answer.contentType).toMatch(PROBLEM_JSON);
    expect(answer.body).toMatchObject({
      type: expect.stringMatching(/\/unavailable$/),
      status: 503,
      correlation_id: expect.any(String),
    });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const url = await pg.migrate(database);
    t = await startTestApp({ databaseUrl: url });
    // The test's own connection dies with the others: it must not crash the test process.
    t.db.on('error', () => undefined);
    await pg.query(database, `INSERT INTO companies (id, name) VALUES ($1, 'PG Faults')`, [companyId]);
    agent = await t.token({ companyId, roles: ['agent'] });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await pg?.destroy();
  });

  it('answers 503 problems (never a hang) while its connections are terminated, and the pool recovers', async () => {
    const answers: Answer[] = [];
    const hung: string[] = [];
    const refused: Array<{ label: string; key: string }> = [];
    let loading = true;
    const worker = async (n: number) => {
      for (let i = 0; loading; i += 1) {
        const label = `kill-${n}-${i}`;
        const key = randomUUID();
        try {
          const answer = await createCustomer(label, key);
          answers.push(answer);
          if (answer.status !== 201) refused.push({ label, key });
        } catch (error) {
          hung.push(String(error));
        }
      }
    };
    const workers = [1, 2, 3, 4].map(worker);
    let killed = 0;
    try {
      await waitFor(() => answers.filter((a) => a.status === 201).length >= 10, { what: 'writes flowing' });
      for (let round = 0; round < 5; round += 1) {
        const rows = await pg.query<{ killed: boolean }>(
          database,
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [database],
        );
        killed += rows.filter((row) => row.killed).length;
        await sleep(200);
      }
      const afterKills = answers.length;
      await waitFor(() => answers.slice(afterKills).filter((a) => a.status === 201).length >= 20, {
        what: 'writes after the terminations',
      });
    } finally {
      loading = false;
      await Promise.all(workers);
    }
    expect(killed).toBeGreaterThan(0);
    expect(hung).toEqual([]);
    const failures = answers.filter((a) => a.status !== 201);
    for (const failure of failures) expectUnavailableProblem(failure);
    // Recovered without a restart: the last writes all succeeded.
    expect(answers.slice(-8).map((a) => a.status)).toEqual(Array(8).fill(201));
    const ready = await call(t.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);

    // The documented retry: the same request with the same Idempotency-Key creates the customer once.
    for (const { label, key } of refused) {
      expect((await createCustomer(label, key)).status).toBe(201);
    }
    const emails = refused.map(({ label }) => `pg-${label}@example.com`);
    const created = await pg.query<{ email: string; n: number }>(
      database,
      `SELECT email, count(*)::int AS n FROM customers WHERE company_id = $1 AND email = ANY($2::text[])
        GROUP BY email`,
      [companyId, emails],
    );
    expect(created).toHaveLength(refused.length);
    expect(created.every((row) => row.n === 1)).toBe(true);
  });

  it('fails fast with 503 problems while PostgreSQL is stopped, and recovers by itself when it is back', async () => {
    for (let i = 0; i < 3; i += 1) expect((await createCustomer(`before-stop-${i}`)).status).toBe(201);
    await pg.stop('fast');
    try {
      // Every request answers (within the client's deadline) with a 503 problem.
      for (let i = 0; i < 5; i += 1) {
        const write = await createCustomer(`stopped-${i}`);
        expect(write.status).toBe(503);
        expectUnavailableProblem(write);
        const read = await call(t.url, 'GET', '/v1/customers?limit=5', { token: agent });
        expect(read.status).toBe(503);
        expectUnavailableProblem(read);
      }
      const ready = await call(t.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.contentType).toMatch(PROBLEM_JSON);
      expect(ready.body).toMatchObject({ checks: { database: { status: 'down' } } });
      expect((await call(t.url, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await pg.start();
    }
    await waitFor(async () => (await call(t.url, 'GET', '/health/ready')).status === 200, {
      what: 'readiness after PostgreSQL returned',
      timeoutMs: 30_000,
    });
    for (let i = 0; i < 5; i += 1) expect((await createCustomer(`after-start-${i}`)).status).toBe(201);

    // No acknowledged write was lost, and none is there twice.
    const rows = await pg.query<{ id: string; email: string }>(
      database,
      'SELECT id, email FROM customers WHERE company_id = $1',
      [companyId],
    );
    const stored = new Set(rows.map((row) => row.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(new Set(rows.map((row) => row.email)).size).toBe(rows.length);
  });
});

describe('Payment gateway slow, failing and refusing connections', () => {
  const TIMEOUT_MS = 500;
  const PHONE = '+254700000001';
  const companyId = randomUUID();
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  let t: TestApp;
  let agent: string;
  let customerId: string;
  let invoiceId: string;
  const intents: string[] = [];

  interface Payment {
    id: string;
    status: string;
    gateway_reference: string | null;
    error_code: string | null;
    error_class: string | null;
    attempts: number;
  }

  const payment = async (id: string) =>
    (await call(t.url, 'GET', `/v1/payments/${id}`, { token: agent })).body as unknown as Payment;
  const createPayment = async (): Promise<string> => {
    const created = await call(t.url, 'POST', '/v1/payments', {
      token: agent,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        customer_id: customerId,
        amount_minor: 1_000,
        currency: 'KES',
        method: 'mobile_money',
        purpose_type: 'invoice',
        purpose_id: invoiceId,
        phone: PHONE,
      },
    });
    expect(created.status).toBe(201);
    intents.push(created.body.id as string);
    return created.body.id as string;
  };
  const settled = (id: string) =>
    waitFor(
      async () => {
        const p = await payment(id);
        return ['succeeded', 'failed', 'canceled'].includes(p.status) ? p : undefined;
      },
      { what: `payment ${id} to end`, timeoutMs: 30_000 },
    );
  const pay = async (): Promise<Payment> => settled(await createPayment());
  /** Requests for one intent's STK push that reached the simulator (each carries the intent id as reference). */
  const pushesOf = (id: string) =>
    sim
      .requests()
      .filter((r) => r.path === '/stk/initiate' && (r.body as { reference?: string })?.reference === id);
  const gatewayCalls = async (outcome: string, operation = 'initiate') =>
    metricValue(
      await t.metrics(),
      `payment_gateway_request_duration_seconds_count{provider="mobile_money",operation="${operation}",outcome="${outcome}"}`,
    );
  const healthy = async () => {
    const done = await pay();
    expect(done).toMatchObject({ status: 'succeeded', error_code: null });
    expect(pushesOf(done.id).map((r) => r.status)).toEqual([200]);
  };

  beforeAll(async () => {
    sim = await startTestGatewaySim({ callbackDelayMs: 100 });
    t = await startTestApp({
      env: {
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        PAYMENT_GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
    agent = await t.token({ companyId, roles: ['agent'] });
    const customer = await call(t.url, 'POST', '/v1/customers', {
      token: agent,
      body: { name: 'Gateway payer', email: `gw-${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' },
    });
    customerId = customer.body.id as string;
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, total_minor, subtotal_minor, tax_minor,
                             allocated_minor, balance_minor, status, issue_date, due_date, issued_at)
       VALUES ($1, $2, 'INV-F0001', 'KES', 1000000, 1000000, 0, 0, 1000000, 'open', current_date, current_date + 30, now())
       RETURNING id`,
      [companyId, customerId],
    );
    invoiceId = rows[0].id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('a slow gateway (5 s): the push times out and is not sent again, so the provider charges once', async () => {
    await sim.http.control({ latency_ms: 5_000 });
    const timeoutsBefore = await gatewayCalls('timeout');
    try {
      const slow = await pay();
      expect(slow).toMatchObject({
        status: 'failed',
        error_code: 'gateway_timeout',
        error_class: 'timeout_error',
        attempts: 1,
      });
      expect(pushesOf(slow.id)).toHaveLength(1);
      expect((await gatewayCalls('timeout')) - timeoutsBefore).toBe(1);
      // The provider did take the push, only late: one charge, not one per attempt.
      await waitFor(() => pushesOf(slow.id).every((r) => r.outcome === 'answered'), {
        what: 'the late answer',
      });
      expect(pushesOf(slow.id).map((r) => r.status)).toEqual([200]);
    } finally {
      await sim.http.control({ latency_ms: 0 });
    }
    await healthy();
  });

  it('a slow status query in reconciliation is retried, and the next run completes the payment', async () => {
    await sim.http.control({ callback: 'drop' });
    let pushed: Payment;
    try {
      const id = await createPayment();
      pushed = await waitFor(
        async () => {
          const p = await payment(id);
          return p.gateway_reference ? p : undefined;
        },
        { what: 'the push' },
      );
      await waitFor(() => sim.transaction(pushed.gateway_reference!)?.status === 'completed', {
        what: 'the provider to complete it (callback dropped)',
      });
    } finally {
      await sim.http.control({ callback: 'send' });
    }
    const statusPath = `/stk/status/${pushed.gateway_reference}`;
    const statusQueries = () => sim.requests().filter((r) => r.path === statusPath);
    const reconciler = t.app.get(PaymentReconciler);
    const timeoutsBefore = await gatewayCalls('timeout', 'status');
    await sim.http.control({ latency_ms: 5_000 });
    try {
      const blocked = await reconciler.reconcile(0);
      expect(blocked).toEqual({ succeeded: 0, failed: 0, retrying: 0, ignored: 0, pending: 0 });
      // A status query changes nothing at the provider: it is retried twice after its timeout.
      expect(statusQueries()).toHaveLength(3);
      expect((await gatewayCalls('timeout', 'status')) - timeoutsBefore).toBe(3);
      expect(await payment(pushed.id)).toMatchObject({ status: 'processing' });
    } finally {
      await sim.http.control({ latency_ms: 0 });
    }
    const done = await reconciler.reconcile(0);
    expect(done).toMatchObject({ succeeded: 1 });
    expect(await payment(pushed.id)).toMatchObject({ status: 'succeeded', error_code: null });
    expect(pushesOf(pushed.id).map((r) => r.status)).toEqual([200]);
  }, 60_000);

  it('a failing gateway (500) is retried, then the payment fails gateway_unavailable', async () => {
    await sim.http.control({ fail_status: 500 });
    try {
      const failed = await pay();
      expect(failed).toMatchObject({
        status: 'failed',
        error_code: 'gateway_unavailable',
        error_class: 'external_service_error',
      });
      expect(pushesOf(failed.id).map((r) => r.status)).toEqual([500, 500, 500]);
    } finally {
      await sim.http.control({ fail_status: null });
    }
    await healthy();
  });

  it('a gateway that is down (closed port) fails the payment gateway_unreachable after retries', async () => {
    // Nothing listens on a port freePort just released. (Restarting the simulator instead would restart
    // its checkout ids, which collide with the ones already stored.)
    const gatewayUrl = t.config.PAYMENT_GATEWAY_URL;
    t.config.PAYMENT_GATEWAY_URL = `http://127.0.0.1:${await freePort()}`;
    const unreachableBefore = await gatewayCalls('connection_error');
    try {
      const failed = await pay();
      expect(failed).toMatchObject({
        status: 'failed',
        error_code: 'gateway_unreachable',
        error_class: 'external_service_error',
      });
      expect((await gatewayCalls('connection_error')) - unreachableBefore).toBe(3);
      expect(pushesOf(failed.id)).toHaveLength(0);
    } finally {
      t.config.PAYMENT_GATEWAY_URL = gatewayUrl;
    }
    await healthy();
  });

  it('opens the circuit on refused connections, fails fast, re-opens on a failed probe and closes on a good one', async () => {
    const wait = halfOpenAfterMs(TIMEOUT_MS) + 300;
    // A refused request is reset before its body is read, so it is told apart by order, not by reference.
    const pushes = () => sim.requests().filter((r) => r.path === '/stk/initiate');
    const payCounting = async () => {
      const before = pushes().length;
      const done = await pay();
      return {
        done,
        outcomes: pushes()
          .slice(before)
          .map((r) => r.outcome),
      };
    };
    await sim.http.control({ refuse: true });
    try {
      // Three refused attempts for the first payment...
      const first = await payCounting();
      expect(first.done).toMatchObject({
        status: 'failed',
        error_code: 'gateway_unreachable',
        error_class: 'external_service_error',
      });
      expect(first.outcomes).toEqual(['refused', 'refused', 'refused']);
      // ...two more for the next: the fifth consecutive failure opens the circuit, the retry meets it open.
      const second = await payCounting();
      expect(second.done).toMatchObject({
        status: 'failed',
        error_code: 'gateway_circuit_open',
        error_class: 'external_service_error',
      });
      expect(second.outcomes).toEqual(['refused', 'refused']);
      // Open: fails at once, nothing reaches the gateway.
      const fastFailsBefore = await gatewayCalls('circuit_open');
      const third = await payCounting();
      expect(third.done).toMatchObject({ status: 'failed', error_code: 'gateway_circuit_open' });
      expect(third.outcomes).toEqual([]);
      expect((await gatewayCalls('circuit_open')) - fastFailsBefore).toBe(1);

      // Half-open while the gateway still refuses: one probe goes out, fails, and the circuit opens again.
      await sleep(wait);
      const probe = await payCounting();
      expect(probe.done).toMatchObject({ status: 'failed', error_code: 'gateway_circuit_open' });
      expect(probe.outcomes).toEqual(['refused']);
      const reopened = await payCounting();
      expect(reopened.done).toMatchObject({ status: 'failed', error_code: 'gateway_circuit_open' });
      expect(reopened.outcomes).toEqual([]);
    } finally {
      await sim.http.control({ refuse: false });
    }
    // Half-open with the gateway back: the probe succeeds and closes the circuit for the next payment.
    await sleep(wait);
    await healthy();
    await healthy();
  }, 60_000);

  it('never charged an intent twice, and allocated exactly the succeeded payments', async () => {
    const { rows } = await t.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM payment_intents WHERE company_id = $1',
      [companyId],
    );
    expect(rows.map((row) => row.id).sort()).toEqual([...intents].sort());
    const succeeded = rows.filter((row) => row.status === 'succeeded').map((row) => row.id);
    // Charged = a push the simulator accepted (200): at most once per intent, and once for each success.
    await waitFor(() => intents.every((id) => pushesOf(id).every((r) => r.outcome !== 'pending')), {
      what: 'every push answered',
    });
    const charges = intents.map((id) => pushesOf(id).filter((r) => r.status === 200).length);
    expect(Math.max(...charges)).toBe(1);
    for (const id of succeeded) expect(pushesOf(id).filter((r) => r.status === 200)).toHaveLength(1);
    const allocations = await t.db.query<{ payment_id: string; n: number }>(
      `SELECT payment_id, count(*)::int AS n FROM invoice_allocations WHERE payment_id = ANY($1::uuid[])
        GROUP BY payment_id`,
      [intents],
    );
    expect(allocations.rows.map((row) => row.payment_id).sort()).toEqual([...succeeded].sort());
    expect(allocations.rows.every((row) => row.n === 1)).toBe(true);
  });
});
