import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import request from 'supertest';
import { connect, createTestDatabase } from './support/database';
import {
  bearer,
  HoldingSmtpSink,
  HoldingValidationStub,
  HttpOutcome,
  queueCounts,
  sendJson,
  startRole,
} from './support/faults';
import { serviceEnv, ServiceProcess, stop } from './support/processes';
import { waitFor } from './support/wait';

/**
 * Issue 12: worker faults. Real api and worker processes (dist/src/main.js, so `npm run build` first) on a
 * throwaway database with their own Redis prefix, and real peers on loopback (an SMTP server and a bank
 * validation service that can hold their answers open).
 *
 * - SIGKILL: a worker is killed where its job is demonstrably half done, another is started, and the work
 *   must have happened exactly once. Those services open their sessions with
 *   `client_connection_check_interval`, so PostgreSQL ends a killed worker's sessions (rolling back what
 *   they had not committed) as soon as the process is gone, even one waiting on a lock: what a crashed
 *   machine's dropped connections come to.
 * - SIGTERM: the api under a stream of writes, then a worker with jobs queued; both must drain and exit 0.
 */
const DIES_WITH_CLIENT = 'options=-c%20client_connection_check_interval%3D200';
/**
 * Each test boots two or three service processes (a few seconds of CPU each); on a machine shared with
 * other test files a boot can take far longer, so tests and the hooks that boot get room for that.
 */
const FAULT_TIMEOUT_MS = 240_000;

type Service = ServiceProcess & { url: string };

const count = async (pg: Client, sql: string, params: unknown[]): Promise<number> =>
  Number((await pg.query<{ n: string }>(sql, params)).rows[0].n);

describe('A worker killed with SIGKILL mid-job', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: Client;
  let smtp: HoldingSmtpSink;
  let validation: HoldingValidationStub;
  let storageDir: string;
  let env: Record<string, string>;
  let api: Service;
  const started: ServiceProcess[] = [];

  const worker = (): Promise<Service> => startRole('worker', env, started);
  const one = (sql: string, params: unknown[]) => count(pg, sql, params);
  /** Sessions of the service's database waiting on a lock, running a statement that matches `like`. */
  const waitingOnLock = (like: string) =>
    one(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [like],
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    pg = await connect(database.url);
    smtp = await new HoldingSmtpSink().start();
    validation = await new HoldingValidationStub().start();
    storageDir = await mkdtemp(join(tmpdir(), 'custops-faults-'));
    env = serviceEnv(`${database.url}?${DIES_WITH_CLIENT}`, {
      SMTP_URL: smtp.url,
      BANK_VALIDATION_URL: validation.url,
      STORAGE_DIR: storageDir,
      // A killed worker's active job goes to the next worker once its lock lapses (BullMQ's stalled check).
      QUEUE_LOCK_DURATION_MS: '1500',
      OUTBOX_POLL_INTERVAL_MS: '100',
      IMPORT_BATCH_ROWS: '400',
      SHUTDOWN_TIMEOUT_MS: '2000',
      DATABASE_POOL_MAX: '10',
      LOG_LEVEL: 'info',
    });
    api = await startRole('api', env, started);
  }, FAULT_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(started.map((service) => stop(service.child, 'SIGKILL')));
    await pg?.end();
    await smtp?.stop();
    await validation?.stop();
    await database?.drop();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  /** Kills whatever workers the previous test left, so each test's first worker is the only one. */
  afterEach(async () => {
    await Promise.all(
      started.filter((service) => service !== api).map((service) => stop(service.child, 'SIGKILL')),
    );
  });

  it(
    'imports every row of a customer file exactly once after the importing worker is killed',
    async () => {
      const companyId = randomUUID();
      const headers = await bearer(companyId, 'manager');
      // No customer_number column: every customer gets a generated number, so a batch merged twice would
      // show as duplicate external ids or emails, and numbers handed out twice as duplicate numbers.
      const rows = 8_000;
      const lines = ['external_id,name,email,currency'];
      for (let n = 1; n <= rows; n += 1) lines.push(`EXT-${n},Imported ${n},imp${n}@example.com,KES`);
      const accepted = await request(api.url)
        .post('/v1/customers/imports')
        .set(headers)
        .attach('file', Buffer.from(lines.join('\n')), 'customers.csv')
        .expect(202);
      const importId = (accepted.body as { id: string }).id;
      // The import's progress and the customers it made so far, read in one snapshot.
      const progress = async () =>
        (
          await pg.query<{ status: string; merged_through: number; customers: number }>(
            `SELECT status, merged_through,
                    (SELECT count(*)::int FROM customers WHERE company_id = i.company_id) AS customers
               FROM customer_imports i WHERE id = $1`,
            [importId],
          )
        ).rows[0];

      const first = await worker();
      await waitFor(async () => (await progress()).merged_through > 0, {
        what: 'a first batch merged',
        intervalMs: 5,
        timeoutMs: 30_000,
      });
      await stop(first.child, 'SIGKILL');
      const atKill = await progress();
      expect(atKill.status).toBe('processing');
      expect(atKill.merged_through).toBeGreaterThan(0);
      expect(atKill.merged_through).toBeLessThan(rows);
      expect(atKill.customers).toBe(atKill.merged_through);

      await worker();
      const done = await waitFor(
        async () => {
          const res = await request(api.url)
            .get(`/v1/customers/imports/${importId}`)
            .set(headers)
            .expect(200);
          const body = res.body as Record<string, unknown>;
          return body.status === 'queued' || body.status === 'processing' ? undefined : body;
        },
        { what: 'the import finished by the second worker', timeoutMs: 60_000 },
      );
      expect(done).toMatchObject({
        status: 'success',
        total: rows,
        processed: rows,
        failed: 0,
        created: rows,
        updated: 0,
        unchanged: 0,
      });
      const [customers] = (
        await pg.query<Record<string, string>>(
          `SELECT count(*) AS total, count(DISTINCT customer_number) AS numbers,
                count(DISTINCT external_id) AS external_ids, count(DISTINCT email) AS emails
           FROM customers WHERE company_id = $1`,
          [companyId],
        )
      ).rows;
      expect(Object.values(customers).map(Number)).toEqual([rows, rows, rows, rows]);
      expect(
        await one(
          `SELECT count(*) AS n FROM customer_audit_log WHERE company_id = $1 AND action = 'created'`,
          [companyId],
        ),
      ).toBe(rows);
      expect(
        await one(
          `SELECT count(*) AS n FROM outbox_events WHERE type = 'CustomersImported' AND company_id = $1`,
          [companyId],
        ),
      ).toBe(1);
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'makes one statement per customer and period when the generating worker dies before committing',
    async () => {
      const companyId = randomUUID();
      const headers = await bearer(companyId, 'admin');
      await pg.query(`INSERT INTO companies (id, name) VALUES ($1, 'Faults Ltd')`, [companyId]);
      const now = new Date();
      const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
      const period = lastMonth.toISOString().slice(0, 7);
      const customers: Array<{ id: string; email: string }> = [];
      for (let n = 1; n <= 6; n += 1) {
        const email = `statement-${n}-${companyId.slice(0, 8)}@example.com`;
        const customer = await request(api.url)
          .post('/v1/customers')
          .set(headers)
          .send({ name: `Owing ${n}`, email, currency: 'KES' })
          .expect(201);
        const id = (customer.body as { id: string }).id;
        const invoice = await request(api.url)
          .post('/v1/invoices')
          .set(headers)
          .send({
            customer_id: id,
            issue_date: `${period}-10`,
            payment_terms_days: 30,
            lines: [{ description: 'Service', quantity: '1', unit_price_minor: 1000 * n }],
          })
          .expect(201);
        await request(api.url)
          .post(`/v1/invoices/${(invoice.body as { id: string }).id}/issue`)
          .set(headers)
          .send({})
          .expect(200);
        customers.push({ id, email });
      }
      const run = await request(api.url)
        .post('/v1/statements/runs')
        .set(headers)
        .send({ period, format: 'pdf', delivery_method: 'email' })
        .expect(202);
      const runId = (run.body as { id: string }).id;
      const statements = (
        await pg.query<{ id: string; customer_id: string }>(
          'SELECT id, customer_id FROM statements WHERE run_id = $1 ORDER BY id',
          [runId],
        )
      ).rows;
      expect(statements).toHaveLength(customers.length);

      // Half the statements will stall in their outcome's transaction: an uncommitted notification with the
      // email's idempotency key makes the worker's insert wait, after their documents were stored.
      const stalled = statements.slice(0, 3).map((s) => s.id);
      const blocker = await connect(database.url);
      await blocker.query('BEGIN');
      for (const id of stalled) {
        await blocker.query(
          `INSERT INTO notifications (company_id, type, idempotency_key) VALUES ($1, 'statement.ready', $2)`,
          [companyId, `statement:${id}`],
        );
      }
      const statuses = async () =>
        new Map(
          (
            await pg.query<{ id: string; status: string; attempts: number }>(
              'SELECT id, status, attempts FROM statements WHERE run_id = $1',
              [runId],
            )
          ).rows.map((row) => [row.id, row]),
        );
      const documents = async () =>
        (await readdir(join(storageDir, 'statements', companyId)).catch(() => [] as string[])).sort();

      const first = await worker();
      try {
        await waitFor(
          async () =>
            (await waitingOnLock('INSERT INTO notifications%')) === stalled.length &&
            [...(await statuses()).values()].filter((s) => s.status === 'generated').length ===
              statements.length - stalled.length,
          { what: 'three statements generated and three waiting to commit', timeoutMs: 30_000 },
        );
        // Demonstrably half done: the stalled ones are generating, their documents stored, their jobs active.
        const atKill = await statuses();
        for (const id of stalled) expect(atKill.get(id)).toMatchObject({ status: 'generating', attempts: 1 });
        expect(await documents()).toEqual(statements.map((s) => `${s.id}.pdf`).sort());
        expect((await queueCounts(env.REDIS_PREFIX, 'statements')).active).toBe(stalled.length);

        await stop(first.child, 'SIGKILL');
        await waitFor(async () => (await waitingOnLock('INSERT INTO notifications%')) === 0, {
          what: "the killed worker's sessions gone",
        });
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
      }

      await worker();
      const addresses = customers.map((c) => c.email);
      const mailsOf = () =>
        smtp.messages.filter((mail) =>
          addresses.includes((mail.to as { text: string } | undefined)?.text ?? ''),
        );
      await waitFor(() => mailsOf().length >= customers.length, {
        what: 'every statement emailed',
        timeoutMs: 30_000,
      });
      const after = await statuses();
      expect([...after.values()].every((s) => s.status === 'generated')).toBe(true);
      for (const s of statements) expect(after.get(s.id)!.attempts).toBe(stalled.includes(s.id) ? 2 : 1);
      expect(
        await one(
          `SELECT count(*) AS n FROM (SELECT 1 FROM statements WHERE company_id = $1
            GROUP BY customer_id, period_from, period_to HAVING count(*) = 1) once`,
          [companyId],
        ),
      ).toBe(customers.length);
      const generated = await pg.query<{ statement_id: string }>(
        `SELECT metadata->>'statement_id' AS statement_id FROM outbox_events
        WHERE type = 'StatementGenerated' AND company_id = $1 ORDER BY 1`,
        [companyId],
      );
      expect(generated.rows.map((r) => r.statement_id)).toEqual(statements.map((s) => s.id).sort());
      expect(
        await one(
          `SELECT count(*) AS n FROM notifications WHERE company_id = $1 AND idempotency_key LIKE 'statement:%'`,
          [companyId],
        ),
      ).toBe(customers.length);
      expect(await documents()).toEqual(statements.map((s) => `${s.id}.pdf`).sort());
      // One email per customer, each with its PDF; give a second copy the time to arrive before counting.
      await waitFor(
        async () =>
          (await one(
            `SELECT count(*) AS n FROM notification_deliveries WHERE company_id = $1 AND status = 'sent'`,
            [companyId],
          )) === customers.length,
        { what: 'every delivery recorded sent' },
      );
      // One delivery per customer. An email whose worker was killed after the mail server accepted it and
      // before "sent" was recorded goes out again (the at-least-once window the notification tests pin
      // down): a second copy is the same delivery, with the same X-Custops-Delivery id, never a new one.
      const deliveryByAddress = new Map<string, Set<string>>();
      for (const mail of mailsOf()) {
        const address = (mail.to as { text: string }).text;
        const ids = deliveryByAddress.get(address) ?? new Set<string>();
        ids.add(mail.headers.get('x-custops-delivery') as string);
        deliveryByAddress.set(address, ids);
      }
      expect([...deliveryByAddress.keys()].sort()).toEqual([...addresses].sort());
      expect([...deliveryByAddress.values()].map((ids) => ids.size)).toEqual(addresses.map(() => 1));
      for (const mail of mailsOf()) {
        expect(mail.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
      }
      const again = await request(api.url)
        .post('/v1/statements/runs')
        .set(headers)
        .send({ period, format: 'pdf', delivery_method: 'email' })
        .expect(200);
      expect((again.body as { id: string }).id).toBe(runId);
      expect(await one('SELECT count(*) AS n FROM statements WHERE company_id = $1', [companyId])).toBe(
        customers.length,
      );
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'completes a bank-account setup killed during its validation call once, with one outcome',
    async () => {
      const companyId = randomUUID();
      const headers = await bearer(companyId, 'admin');
      const customer = await request(api.url)
        .post('/v1/customers')
        .set(headers)
        .send({ name: 'Amina Otieno', currency: 'USD' })
        .expect(201);
      const customerId = (customer.body as { id: string }).id;
      validation.holding = true;
      const calls = validation.requests.length;
      const submitted = await request(api.url)
        .post(`/v1/customers/${customerId}/bank-accounts`)
        .set(headers)
        .send({
          account_holder_name: 'Amina Otieno',
          account_type: 'checking',
          routing_number: '021000021',
          account_number: '73519846203',
        })
        .expect(202);
      const { id: requestId, trace_id: traceId } = submitted.body as { id: string; trace_id: string };

      const first = await worker();
      const held = await waitFor(() => validation.requests[calls], {
        what: 'the validation call, its answer held',
        timeoutMs: 30_000,
      });
      expect(JSON.parse(held.body)).toMatchObject({
        routing_number: '021000021',
        account_number_last4: '6203',
      });
      const stateAtKill = (
        await pg.query('SELECT status, attempts FROM bank_account_requests WHERE id = $1', [requestId])
      ).rows[0] as { status: string; attempts: number };
      expect(stateAtKill).toEqual({ status: 'processing', attempts: 1 });
      expect((await queueCounts(env.REDIS_PREFIX, 'bank-accounts')).active).toBe(1);

      await stop(first.child, 'SIGKILL');
      await waitFor(() => held.abandoned, { what: 'the validation call cut off' });
      validation.release();

      await worker();
      const done = await waitFor(
        async () => {
          const res = await request(api.url)
            .get(`/v1/bank-accounts/requests/${requestId}`)
            .set(headers)
            .expect(200);
          const body = res.body as { status: string };
          return body.status === 'completed' || body.status === 'failed' ? body : undefined;
        },
        { what: 'the setup finished by the second worker', timeoutMs: 30_000 },
      );
      expect(done).toMatchObject({ status: 'completed', error: null });
      expect(validation.requests.slice(calls).map((r) => [r.answered, r.abandoned])).toEqual([
        [false, true],
        [true, false],
      ]);
      expect(await one('SELECT count(*) AS n FROM bank_accounts WHERE request_id = $1', [requestId])).toBe(1);
      const journey = (
        await pg.query<{ event_type: string; status: string }>(
          `SELECT event_type, status FROM journey_events
          WHERE flow = 'bank_account_setup' AND trace_id = $1 ORDER BY occurred_at, seq`,
          [traceId],
        )
      ).rows.map((e) => `${e.event_type}:${e.status}`);
      // The killed run's stages stay in the timeline; the outcome and what follows it appear once.
      expect(journey).toEqual([
        'message_received:processing',
        'validation_started:processing',
        'validation_completed:success',
        'bank_setup_started:processing',
        'message_received:processing',
        'validation_started:processing',
        'validation_completed:success',
        'bank_setup_started:processing',
        'external_validation_completed:success',
        'account_created:success',
        'bank_account_setup_completed:success',
      ]);
      const outcomes = await pg.query<{ type: string }>(
        `SELECT type FROM outbox_events WHERE company_id = $1 AND type LIKE 'BankAccount%' ORDER BY seq`,
        [companyId],
      );
      expect(outcomes.rows.map((r) => r.type)).toEqual(['BankAccountSetupRequested', 'BankAccountCreated']);
      expect(
        (await pg.query('SELECT status, attempts FROM bank_account_requests WHERE id = $1', [requestId]))
          .rows[0],
      ).toEqual({ status: 'completed', attempts: 2 });
    },
    FAULT_TIMEOUT_MS,
  );

  describe('a notification delivery', () => {
    const requestEmail = async (companyId: string, email: string): Promise<string> => {
      const res = await request(api.url)
        .post('/v1/notifications')
        .set(await bearer(companyId, 'manager'))
        .send({
          type: 'maintenance.scheduled',
          severity: 'normal',
          data: {
            severity: 'normal',
            service: 'billing',
            starts_at: '2026-12-01 02:00',
            ends_at: '2026-12-01 04:00',
            message: 'Payments pause.',
          },
          recipients: [{ kind: 'user', id: 'ops-lead', email, channels: ['email'] }],
        })
        .expect(202);
      return (res.body as { deliveries: Array<{ id: string }> }).deliveries[0].id;
    };
    const deliveryOf = async (id: string) =>
      (
        await pg.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM notification_deliveries WHERE id = $1',
          [id],
        )
      ).rows[0];
    const attemptsOf = async (id: string) =>
      (
        await pg.query<{ attempt: number; outcome: string }>(
          'SELECT attempt, outcome FROM notification_delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at',
          [id],
        )
      ).rows;

    afterEach(() => smtp.release());

    it(
      'is sent exactly once when its sender dies before the SMTP server accepted the message',
      async () => {
        smtp.holding = true;
        const deliveryId = await requestEmail(randomUUID(), 'ops-lead@acme.test');
        const first = await worker();
        const held = await waitFor(
          () => smtp.held.find((m) => m.mail.headers.get('x-custops-delivery') === deliveryId),
          { what: 'the message at the SMTP sink, its answer held', timeoutMs: 30_000 },
        );
        expect(await deliveryOf(deliveryId)).toEqual({ status: 'sending', attempts: 1 });
        expect((await queueCounts(env.REDIS_PREFIX, 'notifications')).active).toBe(1);

        await stop(first.child, 'SIGKILL');
        await waitFor(() => held.abandoned, { what: 'the SMTP session closed unanswered' });
        smtp.release();
        expect(smtp.acceptedFor(deliveryId)).toHaveLength(0);

        await worker();
        await waitFor(async () => (await deliveryOf(deliveryId)).status === 'sent', {
          what: 'the delivery sent by the second worker',
          timeoutMs: 30_000,
        });
        expect(smtp.acceptedFor(deliveryId)).toHaveLength(1);
        expect(await deliveryOf(deliveryId)).toEqual({ status: 'sent', attempts: 2 });
        expect(await attemptsOf(deliveryId)).toEqual([{ attempt: 1, outcome: 'sent' }]);
      },
      FAULT_TIMEOUT_MS,
    );

    it(
      'is sent again, under the same X-Custops-Delivery, when its sender dies after the server accepted it',
      async () => {
        // SMTP gives no way to make "the server accepted" and "we recorded it" one step: this window is
        // at-least-once by nature. What the service guarantees there is a stable delivery id on every copy.
        smtp.holding = true;
        const deliveryId = await requestEmail(randomUUID(), 'duty-manager@acme.test');
        const first = await worker();
        await waitFor(() => smtp.held.find((m) => m.mail.headers.get('x-custops-delivery') === deliveryId), {
          what: 'the message at the SMTP sink, its answer held',
          timeoutMs: 30_000,
        });
        // Hold the delivery's row, then let the server accept: the sender's "sent" has to wait for the row.
        const lock = await connect(database.url);
        try {
          await lock.query('BEGIN');
          await lock.query('SELECT 1 FROM notification_deliveries WHERE id = $1 FOR UPDATE', [deliveryId]);
          smtp.release();
          expect(smtp.acceptedFor(deliveryId)).toHaveLength(1);
          await waitFor(async () => (await waitingOnLock('%UPDATE notification_deliveries%')) === 1, {
            what: "the sender's outcome waiting for the row",
          });
          await stop(first.child, 'SIGKILL');
          await waitFor(async () => (await waitingOnLock('%UPDATE notification_deliveries%')) === 0, {
            what: "the killed sender's session gone",
          });
        } finally {
          await lock.query('ROLLBACK');
          await lock.end();
        }
        expect(await deliveryOf(deliveryId)).toEqual({ status: 'sending', attempts: 1 });

        await worker();
        await waitFor(async () => (await deliveryOf(deliveryId)).status === 'sent', {
          what: 'the delivery sent by the second worker',
          timeoutMs: 30_000,
        });
        const copies = smtp.acceptedFor(deliveryId);
        expect(copies).toHaveLength(2);
        expect(new Set(copies.map((mail) => `${mail.subject}|${mail.text}`)).size).toBe(1);
        expect(await deliveryOf(deliveryId)).toEqual({ status: 'sent', attempts: 2 });
        expect(await attemptsOf(deliveryId)).toEqual([{ attempt: 1, outcome: 'sent' }]);
      },
      FAULT_TIMEOUT_MS,
    );
  });
});

describe('SIGTERM during load', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: Client;
  let smtp: HoldingSmtpSink;
  let storageDir: string;
  let env: Record<string, string>;
  const started: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    pg = await connect(database.url);
    smtp = await new HoldingSmtpSink().start();
    storageDir = await mkdtemp(join(tmpdir(), 'custops-faults-'));
    // The default lock (30 s): nothing here is killed, so no job may be handed over as stalled.
    env = serviceEnv(database.url, {
      SMTP_URL: smtp.url,
      STORAGE_DIR: storageDir,
      OUTBOX_POLL_INTERVAL_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '10000',
      DATABASE_POOL_MAX: '10',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => stop(service.child, 'SIGKILL')));
    await pg?.end();
    await smtp?.stop();
    await database?.drop();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  it(
    'answers every accepted request, refuses the rest unaccepted, and leaves queued jobs whole for the next worker',
    async () => {
      const companyId = randomUUID();
      const [api, first] = await Promise.all([
        startRole('api', env, started),
        startRole('worker', env, started),
      ]);
      const agent = await bearer(companyId, 'agent');
      const manager = await bearer(companyId, 'manager');
      const requester = await sendJson(api.url, 'POST', '/v1/customers', agent, {
        name: 'Load Requester',
        email: `requester-${companyId.slice(0, 8)}@example.com`,
        currency: 'KES',
      });
      expect(requester).toMatchObject({ status: 201 });
      const requesterId = (requester as { body: { id: string } }).body.id;

      // A slow mail server (each answer takes 5 s, under nodemailer's 10 s socket timeout): the worker,
      // eight sends at a time, falls behind and notification jobs queue up while the api takes requests.
      smtp.acceptDelayMs = 5000;
      type Kind = 'customer' | 'ticket' | 'notification';
      const expected: Record<Kind, number> = { customer: 201, ticket: 201, notification: 202 };
      interface Sent {
        kind: Kind;
        key: string;
        startedAt: number;
        endedAt: number;
        outcome: HttpOutcome;
      }
      const sent: Sent[] = [];
      const call = (kind: Kind, key: string, agentFor: Agent | false): Promise<HttpOutcome> => {
        const headers = { ...(kind === 'notification' ? manager : agent), 'idempotency-key': key };
        const body =
          kind === 'customer'
            ? { name: `Load ${key}`, email: `${key}@load.example.com`, currency: 'KES' }
            : kind === 'ticket'
              ? {
                  customer_id: requesterId,
                  subject: key,
                  description: 'Sent during a shutdown',
                  category: 'billing',
                }
              : {
                  type: 'maintenance.scheduled',
                  data: {
                    severity: 'normal',
                    service: 'billing',
                    starts_at: '02:00',
                    ends_at: '03:00',
                    message: key,
                  },
                  recipients: ['a', 'b', 'c'].map((desk) => ({
                    kind: 'user',
                    id: `${desk}-${key}`,
                    email: `${desk}-${key}@ops.example.com`,
                    channels: ['email'],
                  })),
                };
        return sendJson(api.url, 'POST', `/v1/${kind}s`, headers, body, agentFor);
      };
      let apiGone = false;
      void api.exited.then(() => (apiGone = true));
      const kinds: Kind[] = ['customer', 'ticket', 'notification'];
      // Four clients in a loop: two open a connection per request, two keep theirs alive (as a proxy does).
      const client = async (n: number) => {
        const keepAlive = n % 2 === 1 ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
        const one = async (i: number) => {
          const kind = kinds[(n + i) % kinds.length];
          const key = `load-${n}-${i}`;
          const startedAt = Date.now();
          const outcome = await call(kind, key, keepAlive);
          sent.push({ kind, key, startedAt, endedAt: Date.now(), outcome });
          return outcome;
        };
        let i = 0;
        for (; i < 400 && !apiGone; i += 1) {
          if ('error' in (await one(i))) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await one(i); // once the api is gone: refused, whatever happened before
        if (keepAlive) keepAlive.destroy();
      };
      const clients = Promise.all([0, 1, 2, 3].map(client));
      await waitFor(() => sent.filter((s) => 'status' in s.outcome).length >= 60, {
        what: 'the load under way',
        timeoutMs: 60_000,
      });
      const sigtermAt = Date.now();
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      await clients;

      const answered = sent.filter((s) => 'status' in s.outcome);
      const refused = sent.filter((s) => 'error' in s.outcome);
      const statusOf = (s: Sent) => (s.outcome as { status: number }).status;
      expect(answered.filter((s) => statusOf(s) !== expected[s.kind]).map((s) => [s.key, s.outcome])).toEqual(
        [],
      );
      expect(refused.length).toBeGreaterThanOrEqual(4);
      expect(
        refused.filter(
          (s) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((s.outcome as { error: string }).error),
        ),
      ).toEqual([]);
      // Requests in flight when the signal came were answered, not cut off.
      const inFlight = sent.filter((s) => s.startedAt < sigtermAt && s.endedAt > sigtermAt);
      expect(inFlight.some((s) => 'status' in s.outcome)).toBe(true);

      // Every answered request's row exists, with its stored idempotent answer; no refused one left a trace.
      const idOf = (s: Sent) => {
        const body = (s.outcome as { body: { id?: string; notification_id?: string } }).body;
        return (s.kind === 'notification' ? body.notification_id : body.id)!;
      };
      const keys = async (list: Sent[]) =>
        (
          await pg.query<{ key: string }>(
            `SELECT key FROM idempotency_keys WHERE company_id = $1 AND key = ANY($2) AND status_code IS NOT NULL`,
            [companyId, list.map((s) => s.key)],
          )
        ).rows.map((r) => r.key);
      const rows = async (kind: Kind, list: Sent[], by: 'id' | 'key') => {
        const sql: Record<Kind, string> = {
          customer: `SELECT count(*) AS n FROM customers WHERE company_id = $1 AND ${by === 'id' ? 'id::text' : "split_part(email::text, '@', 1)"} = ANY($2)`,
          ticket: `SELECT count(*) AS n FROM tickets WHERE company_id = $1 AND ${by === 'id' ? 'id::text' : 'subject'} = ANY($2)`,
          notification: `SELECT count(*) AS n FROM notifications WHERE company_id = $1 AND ${by === 'id' ? 'id::text' : "data->>'message'"} = ANY($2)`,
        };
        const of = list.filter((s) => s.kind === kind);
        const { rows: counted } = await pg.query<{ n: string }>(sql[kind], [
          companyId,
          of.map((s) => (by === 'id' ? idOf(s) : s.key)),
        ]);
        return [Number(counted[0].n), of.length];
      };
      for (const kind of kinds) {
        const [found, count] = await rows(kind, answered, 'id');
        expect({ kind, found }).toEqual({ kind, found: count });
        expect((await rows(kind, refused, 'key'))[0]).toBe(0);
      }
      expect((await keys(answered)).sort()).toEqual(answered.map((s) => s.key).sort());
      expect(await keys(refused)).toEqual([]);

      // The worker, SIGTERMed with jobs queued: the jobs it was running finish, the rest stay queued.
      await waitFor(async () => (await queueCounts(env.REDIS_PREFIX, 'notifications')).waiting > 0, {
        what: 'notification jobs queued behind the slow mail server',
      });
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const deliveries = async () =>
        (
          await pg.query<{ id: string; status: string; attempts: number }>(
            `SELECT id, status, attempts FROM notification_deliveries WHERE company_id = $1 AND channel = 'email'`,
            [companyId],
          )
        ).rows;
      const atExit = await deliveries();
      expect(atExit.filter((d) => d.status === 'sending')).toEqual([]);
      const sentByFirst = atExit.filter((d) => d.status === 'sent').length;
      expect(smtp.abandoned).toEqual([]);

      smtp.acceptDelayMs = 0;
      await startRole('worker', env, started);
      const pending = () =>
        count(pg, `SELECT count(*) AS n FROM outbox_events WHERE company_id = $1 AND dispatched_at IS NULL`, [
          companyId,
        ]);
      await waitFor(
        async () => {
          const counts = await queueCounts(env.REDIS_PREFIX, 'notifications');
          const all = await deliveries();
          return (
            (await pending()) === 0 &&
            counts.waiting + counts.active + counts.delayed === 0 &&
            all.length > 0 &&
            all.every((d) => d.status === 'sent')
          );
        },
        { what: 'every notification sent and the outbox empty', timeoutMs: 60_000 },
      );
      const all = await deliveries();
      const notificationDeliveries = answered
        .filter((s) => s.kind === 'notification')
        .flatMap((s) => (s.outcome as { body: { deliveries: Array<{ id: string }> } }).body.deliveries)
        .map((d) => d.id);
      expect(all.map((d) => d.id)).toEqual(expect.arrayContaining(notificationDeliveries));
      expect(all.length).toBeGreaterThan(sentByFirst);
      expect(
        all
          .filter((d) => smtp.acceptedFor(d.id).length !== 1)
          .map((d) => [d.id, smtp.acceptedFor(d.id).length]),
      ).toEqual([]);
      expect(all.filter((d) => d.attempts !== 1)).toEqual([]);
      for (const queue of ['notifications', 'domain-events']) {
        expect((await queueCounts(env.REDIS_PREFIX, queue)).failed).toBe(0);
      }
    },
    FAULT_TIMEOUT_MS,
  );
});
