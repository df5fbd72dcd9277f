import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { Client } from 'pg';
import request from 'supertest';
import { startStack, Stack, type AccessLogLine, type LogLine } from '../scripts/stack/stack';
import type { Role } from '../src/platform/auth/principal';
import { mintToken } from '../src/platform/auth/tokens';
import { QUEUES } from '../src/platform/queue/queue-names';
import { connect, createTestDatabase } from './support/database';
import { testEnv } from './support/env';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { SmtpSink } from './support/peers';
import { waitFor, waitUntilQuiet } from './support/wait';

/**
 * The multi-instance run (issue 12): the stack launcher's two APIs behind nginx and two workers on one
 * database and one Redis, driven only through the load balancer with concurrent customer creation,
 * tickets with comments, payments through the gateway simulator, a CSV import and SLA breaches that
 * the scheduled scan escalates. Then: load was spread, every tick and every event was handled once,
 * every notification sent once, numbers are unique, and every process exits 0.
 */

const JWT_SECRET = 'multi-instance-test-secret-long-enough-for-hs256';
const PHONE_OK = '+254700000001';
const CUSTOMERS_FIRST = 40; // created in parallel before anything else
const CUSTOMERS_SECOND = 20; // created in parallel with the import, tickets and payments
const ESCALATING = 4; // urgent tickets whose first response (1 working minute, around the clock) is missed
const TICKETS = 24; // normal tickets, each with a public reply and an internal note
const PAYMENTS = 6;
const IMPORT_WITH_NUMBER = 10;
const IMPORT_GENERATED = 40;
/** Scheduled tasks whose cadence the config lets the test shorten, and to what (ms). */
const CADENCES = {
  'tickets.sla-scan': ['TICKET_SLA_SCAN_INTERVAL_MS', 500],
  'maintenance.scan': ['MAINTENANCE_SCAN_INTERVAL_MS', 1000],
  'invoices.dunning-scan': ['DUNNING_SCAN_INTERVAL_MS', 1000],
  'outbox.prune': ['OUTBOX_PRUNE_INTERVAL_MS', 1000],
} as const;
const EVENT_QUEUES = Object.values(QUEUES).filter((name) => name !== QUEUES.scheduler);

interface Outcome {
  stack: Stack;
  stopStartedAt: Date;
  exits: Array<{ name: string; code: number | null; signal: NodeJS.Signals | null }>;
  accessLog: AccessLogLine[];
  completedJobIds: string[];
  customerIds: string[];
  ticketNumbers: string[];
  escalatingTicketIds: string[];
  importCreated: number;
  paymentIds: string[];
  stkInitiations: number;
  callbacks: Array<{ status?: number }>;
}

describe('Multi-instance run: two APIs behind nginx, two workers, one database and one Redis', () => {
  const companyId = randomUUID();
  const redisPrefix = `mi${randomBytes(4).toString('hex')}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Client;
  let smtp: SmtpSink;
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  let storageDir: string;
  let stack: Stack | undefined;
  let outcome: Outcome;

  const linesOf = (role: 'api' | 'worker', predicate: (line: LogLine) => boolean) =>
    (role === 'api' ? outcome.stack.apis : outcome.stack.workers).map((p) => p.lines.filter(predicate));
  const allWorkerLines = (predicate: (line: LogLine) => boolean) =>
    outcome.stack.workers.flatMap((worker) =>
      worker.lines.filter(predicate).map((line) => ({ worker, line })),
    );
  const beforeStop = (line: LogLine) => new Date(line.timestamp as string) < outcome.stopStartedAt;
  const scalar = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    // The customer "confirms" on the phone five seconds after the push (free here: the payments settle
    // inside the escalation minute). A callback that overtakes the worker's commit of the push is answered
    // 404 and only the reconciler, two minutes on, settles that payment; on a loaded machine a worker can
    // take over a second to commit, so a short delay would test that race instead of the stack.
    sim = await startTestGatewaySim({ callbackDelayMs: 5000 });
    database = await createTestDatabase();
    db = await connect(database.url);
    storageDir = mkdtempSync(join(tmpdir(), 'custops-mi-storage-'));
    stack = await startStack({
      inheritEnv: false,
      // The template is migrated already; the launcher's migrate step still runs (and finds nothing to do).
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DATABASE_POOL_MAX: '5',
        REDIS_URL: testEnv.redisUrl(),
        REDIS_PREFIX: redisPrefix,
        JWT_SECRET,
        SMTP_URL: smtp.url,
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        STORAGE_DIR: storageDir, // the API stores the import file, a worker reads it
        RATE_LIMIT_MAX: '100000',
        SHUTDOWN_TIMEOUT_MS: '5000',
        OUTBOX_POLL_INTERVAL_MS: '200',
        IMPORT_BATCH_ROWS: '10',
        ...Object.fromEntries(Object.values(CADENCES).map(([name, ms]) => [name, String(ms)])),
      },
      apiEnv: { LOG_LEVEL: 'info' },
      // debug: the `event.handle` line of each durable subscriber's run
      workerEnv: { LOG_LEVEL: 'debug' },
      startTimeoutMs: 90_000,
      // Kept when the run fails (nginx.conf, access log, each process's log); removed in afterAll otherwise.
      removeDir: false,
    });
    const lb = stack.url;
    const token = (roles: Role[], userId: string) => mintToken(JWT_SECRET, { companyId, roles, userId });
    const admin = await token(['admin'], 'admin-1');
    const manager = await token(['manager'], 'manager-1');
    const agent = await token(['agent'], 'agent-1');
    const as = (bearer: string) => ({ authorization: `Bearer ${bearer}` });
    const expectStatus = (status: number) => (res: request.Response) => {
      if (res.status !== status) throw new Error(`answered ${res.status} instead of ${status}: ${res.text}`);
    };

    // Help-desk setup: a team lead escalations reach; urgent tickets get one minute for a first response.
    // The processes run on the real clock (a test cannot move the time of another process), so the breach
    // is a real minute, the shortest target a policy takes: the rest of the workload runs inside it.
    await request(lb)
      .put('/v1/staff/lead-1')
      .set(as(admin))
      .send({ name: 'Lead One', email: 'lead-1@multi.test', roles: ['agent', 'team_lead'] })
      .expect(expectStatus(200));
    await request(lb)
      .put('/v1/tickets/sla/policies')
      .set(as(admin))
      .send({
        policies: [
          { name: 'urgent', conditions: { priorities: ['urgent'] }, first_response_minutes: 1 },
          { name: 'standard', fallback: true, first_response_minutes: 600, resolution_minutes: 6000 },
        ],
      })
      .expect(expectStatus(200));
    await request(lb)
      .put('/v1/tickets/escalation-rules')
      .set(as(admin))
      .send({
        rules: [
          {
            level: 1,
            priorities: ['urgent'],
            minutes_from_due: 0,
            notify_role: 'team_lead',
            notify_customer: true,
          },
        ],
      })
      .expect(expectStatus(200));

    const createCustomer = async (i: number) =>
      (
        await request(lb)
          .post('/v1/customers')
          .set(as(agent))
          .send({
            name: `Customer ${i}`,
            email: `c${i}-${companyId.slice(0, 8)}@multi.test`,
            currency: 'KES',
          })
          .expect(expectStatus(201))
      ).body.id as string;
    const submitTicket = async (customerId: string, priority: 'urgent' | 'normal', i: number) =>
      (
        await request(lb)
          .post('/v1/tickets')
          .set(as(agent))
          .send({
            subject: `${priority === 'urgent' ? 'Outage' : 'Question'} ${i}`,
            description: 'Reported by phone',
            category: 'technical',
            priority,
            customer_id: customerId,
          })
          .expect(expectStatus(201))
      ).body as { id: string; ticket_number: string };

    // 1. Many customers at once: API processes race for the same company's number counter.
    const customerIds = await Promise.all(
      Array.from({ length: CUSTOMERS_FIRST }, (_, i) => createCustomer(i)),
    );

    // 2. The escalating tickets first: their minute runs while everything else happens.
    const escalating = await Promise.all(
      customerIds.slice(0, ESCALATING).map((id, i) => submitTicket(id, 'urgent', i)),
    );

    // 3. Everything else concurrently.
    const ticketsWithComments = Promise.all(
      customerIds.slice(ESCALATING, ESCALATING + TICKETS).map(async (id, i) => {
        const ticket = await submitTicket(id, 'normal', i);
        await Promise.all([
          request(lb)
            .post(`/v1/tickets/${ticket.id}/comments`)
            .set(as(agent))
            .send({ body: `We are on it (${i}).` })
            .expect(expectStatus(201)),
          request(lb)
            .post(`/v1/tickets/${ticket.id}/comments`)
            .set(as(agent))
            .send({ body: 'Checked the line card.', internal: true })
            .expect(expectStatus(201)),
        ]);
        return ticket;
      }),
    );
    const payments = Promise.all(
      customerIds.slice(ESCALATING + TICKETS, ESCALATING + TICKETS + PAYMENTS).map(async (customerId) => {
        const invoice = await request(lb)
          .post('/v1/invoices')
          .set(as(agent))
          .send({
            customer_id: customerId,
            issue_date: new Date().toISOString().slice(0, 10),
            payment_terms_days: 30,
            lines: [{ description: 'Service', quantity: '1', unit_price_minor: 100_000 }],
          })
          .expect(expectStatus(201));
        await request(lb)
          .post(`/v1/invoices/${invoice.body.id}/issue`)
          .set(as(agent))
          .send({})
          .expect(expectStatus(200));
        const paid = await request(lb)
          .post('/v1/payments')
          .set(as(agent))
          .set('idempotency-key', randomUUID())
          .send({
            customer_id: customerId,
            amount_minor: 40_000,
            currency: 'KES',
            method: 'mobile_money',
            purpose_type: 'invoice',
            purpose_id: invoice.body.id,
            phone: PHONE_OK,
          })
          .expect(expectStatus(201));
        const id = paid.body.id as string;
        const final = await waitFor(
          async () => {
            const { body } = await request(lb).get(`/v1/payments/${id}`).set(as(agent)).expect(200);
            return ['succeeded', 'failed', 'canceled'].includes(body.status as string)
              ? (body.status as string)
              : undefined;
          },
          { what: `payment ${id} to end`, timeoutMs: 60_000, intervalMs: 250 },
        );
        if (final !== 'succeeded') throw new Error(`payment ${id} ended ${final}`);
        return id;
      }),
    );
    // Rows with a number keep it; rows with only an external id get the next generated number, from the
    // same counter the API processes are using at that moment.
    const csv = [
      'customer_number,external_id,name,currency',
      ...Array.from({ length: IMPORT_WITH_NUMBER + IMPORT_GENERATED }, (_, i) =>
        i < IMPORT_WITH_NUMBER
          ? `IMP-${String(i).padStart(4, '0')},,Imported ${i},KES`
          : `,crm-${i},Imported ${i},KES`,
      ),
    ].join('\n');
    const imported = (async () => {
      const accepted = await request(lb)
        .post('/v1/customers/imports')
        .set(as(manager))
        .attach('file', Buffer.from(csv), 'customers.csv')
        .expect(expectStatus(202));
      return waitFor(
        async () => {
          const { body } = await request(lb)
            .get(`/v1/customers/imports/${accepted.body.id}`)
            .set(as(manager))
            .expect(200);
          return body.status === 'queued' || body.status === 'processing'
            ? undefined
            : (body as { status: string; created: number; failed: number });
        },
        { what: 'the import to finish', timeoutMs: 60_000, intervalMs: 250 },
      );
    })();
    const moreCustomers = Promise.all(
      Array.from({ length: CUSTOMERS_SECOND }, (_, i) => createCustomer(CUSTOMERS_FIRST + i)),
    );
    const [tickets, paymentIds, importResult, laterCustomerIds] = await Promise.all([
      ticketsWithComments,
      payments,
      imported,
      moreCustomers,
    ]);
    expect(importResult).toMatchObject({
      status: 'success',
      failed: 0,
      created: IMPORT_WITH_NUMBER + IMPORT_GENERATED,
    });

    // 4. The scan escalates the urgent tickets once their minute is up (working time, real clock).
    const escalatingIds = escalating.map((ticket) => ticket.id);
    await waitFor(
      async () =>
        (await scalar(`SELECT count(*) AS n FROM tickets WHERE id = ANY($1) AND escalation_level = 1`, [
          escalatingIds,
        ])) === ESCALATING,
      { what: 'the urgent tickets to be escalated', timeoutMs: 150_000, intervalMs: 250 },
    );

    // 5. Drain: nothing left in the outbox or on any queue, and the counts stop moving.
    const redis = new Redis(testEnv.redisUrl(), { maxRetriesPerRequest: null });
    const queues = EVENT_QUEUES.map((name) => new Queue(name, { connection: redis, prefix: redisPrefix }));
    try {
      const pending = async () => {
        const counts = await Promise.all(
          queues.map((queue) =>
            queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children'),
          ),
        );
        return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
      };
      const settled = async () =>
        (await scalar(`SELECT count(*) AS n FROM outbox_events WHERE dispatched_at IS NULL`)) === 0 &&
        (await pending()) === 0;
      await waitFor(settled, { what: 'outbox and queues to drain', timeoutMs: 60_000, intervalMs: 200 });
      await waitUntilQuiet(
        async () => [
          await scalar(`SELECT count(*) AS n FROM outbox_events`),
          await scalar(`SELECT count(*) AS n FROM notification_deliveries`),
          smtp.messages.length,
          await pending(),
        ],
        2000,
        60_000,
      );
      await waitFor(settled, { what: 'outbox and queues to stay drained', timeoutMs: 30_000 });
      const completedJobIds = (
        await Promise.all(queues.map((queue) => queue.getRanges(['completed'], 0, -1)))
      ).flat();

      const ticketNumbers = [...escalating, ...tickets].map((ticket) => ticket.ticket_number);
      const accessLog = stack.accessLog();
      const stopStartedAt = new Date();
      const exits = await stack.stop();
      outcome = {
        stack,
        stopStartedAt,
        exits,
        accessLog,
        completedJobIds,
        customerIds: [...customerIds, ...laterCustomerIds],
        ticketNumbers,
        escalatingTicketIds: escalatingIds,
        importCreated: importResult.created,
        paymentIds,
        stkInitiations: sim.requests().filter((r) => r.path === '/stk/initiate').length,
        callbacks: sim.callbacks(),
      };
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
      redis.disconnect(); // shared with the queues, which leave a connection they were given open
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    if (stack && outcome) rmSync(stack.dir, { recursive: true, force: true });
    else if (stack) process.stderr.write(`multi-instance: the stack's logs are kept in ${stack.dir}\n`);
    const redis = new Redis(testEnv.redisUrl());
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    await db?.end();
    await database?.drop();
    await sim?.close();
    await smtp?.stop();
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  it('spreads requests over both APIs: each answered a share, and every request nginx passed on is in the log of the API it went to', () => {
    const { accessLog, stack: s } = outcome;
    const proxied = accessLog.filter((line) => line.upstream_addr !== '');
    expect(proxied.length).toBe(accessLog.length);
    // No request needed a second upstream (neither API failed or refused).
    expect(proxied.filter((line) => line.upstream_addr.includes(','))).toEqual([]);
    const served = s.apis.map((api) => {
      const ids = new Set(
        api.lines
          .filter((line) => line.operation === 'http.request')
          .map((line) => line.correlation_id as string),
      );
      const routed = proxied.filter((line) => line.upstream_addr === `127.0.0.1:${api.port}`);
      return { ids, routed };
    });
    for (const { ids, routed } of served) {
      // Round-robin: each API got a real share, not a stray request or two.
      expect(routed.length).toBeGreaterThan(proxied.length / 4);
      expect(routed.filter((line) => !ids.has(line.request_id))).toEqual([]);
      // And it saw nothing that did not come through the load balancer.
      expect(ids.size).toBe(routed.length);
    }
    expect(served.reduce((sum, { routed }) => sum + routed.length, 0)).toBe(proxied.length);
    // Gateway callbacks came in through nginx too, one per payment.
    expect(
      proxied.filter((line) => line.method === 'POST' && line.uri === '/v1/payments/webhooks/mobile_money'),
    ).toHaveLength(PAYMENTS);
  });

  it('runs every scheduled task exactly once per tick across the two workers', async () => {
    const runs = allWorkerLines((line) => line.operation === 'schedule.run');
    expect(runs.filter(({ line }) => line.level === 'error' && beforeStop(line))).toEqual([]);
    const perTick = new Map<string, number>();
    for (const { line } of runs) {
      const key = `${line.task as string}@${line.tick_at as string}`;
      perTick.set(key, (perTick.get(key) ?? 0) + 1);
    }
    expect([...perTick].filter(([, count]) => count !== 1)).toEqual([]);
    // Each worker logged its own runs (worker_id is host:pid), and both took ticks.
    for (const { worker, line } of runs) expect(line.worker_id).toBe(`${hostname()}:${worker.child.pid}`);
    for (const worker of outcome.stack.workers)
      expect(runs.filter((run) => run.worker === worker).length).toBeGreaterThan(0);
    for (const task of Object.keys(CADENCES))
      expect(runs.filter(({ line }) => line.task === task).length).toBeGreaterThanOrEqual(5);

    // The claim table and the logs agree: every logged run is a finished claim of that worker, and every
    // claim finished while the stack ran was logged. (Claims finished during the shutdown are left out of
    // the second check: the service writes stdout asynchronously and exits right after closing, so its
    // last lines can be lost. A claim left unfinished can likewise only be a tick cut short by shutdown.)
    const { rows } = await db.query<{
      task: string;
      tick_at: Date;
      worker_id: string;
      finished_at: Date | null;
    }>(`SELECT task, tick_at, worker_id, finished_at FROM scheduled_task_runs`);
    const shutdownWindow = outcome.stopStartedAt.getTime() - 5_000;
    const key = (task: unknown, tick: unknown, worker: unknown) =>
      `${String(task)}@${String(tick)}@${String(worker)}`;
    const finished = new Set(
      rows
        .filter((row) => row.finished_at !== null)
        .map((row) => key(row.task, row.tick_at.toISOString(), row.worker_id)),
    );
    const logged = new Set(runs.map(({ line }) => key(line.task, line.tick_at, line.worker_id)));
    expect(logged.size).toBe(runs.length);
    expect([...logged].filter((run) => !finished.has(run))).toEqual([]);
    const finishedWhileUp = rows
      .filter((row) => row.finished_at !== null && row.finished_at.getTime() < shutdownWindow)
      .map((row) => key(row.task, row.tick_at.toISOString(), row.worker_id));
    expect(finishedWhileUp.length).toBeGreaterThan(0);
    expect(finishedWhileUp.filter((run) => !logged.has(run))).toEqual([]);
    expect(rows.filter((row) => row.finished_at === null && row.tick_at.getTime() < shutdownWindow)).toEqual(
      [],
    );
    const twice = await db.query(
      `SELECT task, tick_at, count(*) FROM scheduled_task_runs GROUP BY task, tick_at HAVING count(*) > 1`,
    );
    expect(twice.rows).toEqual([]);
  });

  it('sends every notification once: one SMTP message per email delivery, none twice, none failed', async () => {
    const { rows: deliveries } = await db.query<{
      id: string;
      type: string;
      channel: string;
      address: string | null;
      status: string;
    }>(`SELECT id, type, channel, address, status FROM notification_deliveries WHERE company_id = $1`, [
      companyId,
    ]);
    expect(deliveries.filter((d) => d.status !== 'sent')).toEqual([]);
    const emails = deliveries.filter((d) => d.channel === 'email');
    const messages = smtp.messages.map((mail) => ({
      delivery: mail.headers.get('x-custops-delivery') as string,
      to: mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address).join(',') : '',
    }));
    expect(messages.length).toBe(emails.length);
    expect(new Set(messages.map((m) => m.delivery)).size).toBe(messages.length);
    // Per recipient and template, the SMTP sink got exactly what the deliveries say.
    const byDelivery = new Map(emails.map((d) => [d.id, d]));
    const tally = (pairs: Array<[string, string]>) =>
      Object.fromEntries([
        ...pairs.reduce(
          (map, [to, type]) => map.set(`${to} ${type}`, (map.get(`${to} ${type}`) ?? 0) + 1),
          new Map(),
        ),
      ]);
    expect(
      tally(messages.map((m) => [m.to, byDelivery.get(m.delivery)?.type ?? 'unknown delivery'])),
    ).toEqual(tally(emails.map((d) => [d.address ?? '', d.type])));
    // And the deliveries are what the workload asked for.
    const ofType = (type: string) => emails.filter((d) => d.type === type).length;
    expect(ofType('ticket.submitted')).toBe(ESCALATING + TICKETS);
    expect(ofType('ticket.reply')).toBe(TICKETS);
    expect(ofType('ticket.escalated_notice')).toBe(ESCALATING);
    expect(
      emails.filter((d) => d.type === 'ticket.escalated' && d.address === 'lead-1@multi.test'),
    ).toHaveLength(ESCALATING);
    const notifications = await db.query(
      `SELECT idempotency_key FROM notifications WHERE company_id = $1 GROUP BY 1 HAVING count(*) > 1`,
      [companyId],
    );
    expect(notifications.rows).toEqual([]);
  });

  it('dispatches every committed event, and each durable subscriber handles each of its events once', async () => {
    expect(await scalar(`SELECT count(*) AS n FROM outbox_events WHERE dispatched_at IS NULL`)).toBe(0);
    const handled = allWorkerLines((line) => line.operation === 'event.handle').map(({ line }) => ({
      key: `${line.event_id as string}__${line.subscriber as string}`,
      subscriber: line.subscriber as string,
      type: line.event_type as string,
    }));
    const keys = handled.map((h) => h.key);
    const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
    expect(duplicates).toEqual([]);
    // What BullMQ completed is exactly what the subscribers logged.
    const completed = outcome.completedJobIds.filter((id) => id.includes('__'));
    expect([...completed].sort()).toEqual([...keys].sort());

    // Every outbox event reached every subscriber of its type (as seen handling that type at all).
    const subscribersOf = new Map<string, Set<string>>();
    for (const h of handled)
      subscribersOf.set(h.type, (subscribersOf.get(h.type) ?? new Set()).add(h.subscriber));
    const { rows: events } = await db.query<{ event_id: string; type: string }>(
      `SELECT event_id, type FROM outbox_events`,
    );
    const expected = events.flatMap((event) =>
      [...(subscribersOf.get(event.type) ?? [])].map((subscriber) => `${event.event_id}__${subscriber}`),
    );
    expect([...expected].sort()).toEqual([...keys].sort());
    // The flows of this run reached their subscribers.
    for (const subscriber of [
      'notifications.ticket-submitted',
      'notifications.ticket-reply',
      'notifications.ticket-escalated',
      'notifications.deliver',
      'customers.import',
      'payments.initiate',
    ])
      expect(handled.some((h) => h.subscriber === subscriber)).toBe(true);
    expect(handled.filter((h) => h.subscriber === 'notifications.ticket-escalated')).toHaveLength(ESCALATING);
  });

  it('hands out no customer or ticket number twice, and every created row has one', async () => {
    const customerDuplicates = await db.query(
      `SELECT customer_number, count(*) FROM customers WHERE company_id = $1 GROUP BY 1 HAVING count(*) > 1`,
      [companyId],
    );
    expect(customerDuplicates.rows).toEqual([]);
    const customers = await db.query<{ rows: string; numbers: string; api: string }>(
      `SELECT count(*) AS rows, count(DISTINCT customer_number) AS numbers,
              count(*) FILTER (WHERE id = ANY($2)) AS api
         FROM customers WHERE company_id = $1`,
      [companyId, outcome.customerIds],
    );
    const createdCustomers = CUSTOMERS_FIRST + CUSTOMERS_SECOND + outcome.importCreated;
    expect(customers.rows[0]).toEqual({
      rows: String(createdCustomers),
      numbers: String(createdCustomers),
      api: String(CUSTOMERS_FIRST + CUSTOMERS_SECOND),
    });

    const ticketDuplicates = await db.query(
      `SELECT ticket_number, count(*) FROM tickets WHERE company_id = $1 GROUP BY 1 HAVING count(*) > 1`,
      [companyId],
    );
    expect(ticketDuplicates.rows).toEqual([]);
    const tickets = await db.query<{ ticket_number: string }>(
      `SELECT ticket_number FROM tickets WHERE company_id = $1`,
      [companyId],
    );
    expect(tickets.rows.map((row) => row.ticket_number).sort()).toEqual([...outcome.ticketNumbers].sort());
    expect(new Set(outcome.ticketNumbers).size).toBe(ESCALATING + TICKETS);
  });

  it('took each payment once through the gateway and escalated each breached ticket once', async () => {
    expect(outcome.paymentIds).toHaveLength(PAYMENTS);
    expect(outcome.stkInitiations).toBe(PAYMENTS);
    expect(outcome.callbacks.map((callback) => callback.status)).toEqual(Array(PAYMENTS).fill(200));
    const allocations = await db.query(
      `SELECT payment_id, count(*) FROM invoice_allocations WHERE payment_id = ANY($1) GROUP BY 1`,
      [outcome.paymentIds],
    );
    expect(allocations.rows.map((row) => Number(row.count))).toEqual(Array(PAYMENTS).fill(1));
    const escalations = await db.query(
      `SELECT ticket_id, count(*), array_agg(changes->>'reason') AS reasons
         FROM ticket_history WHERE ticket_id = ANY($1) AND action = 'escalated' GROUP BY 1`,
      [outcome.escalatingTicketIds],
    );
    expect(escalations.rows.map((row) => [Number(row.count), row.reasons])).toEqual(
      Array(ESCALATING).fill([1, ['first_response_breached']]),
    );
    const missed = await db.query(
      `SELECT count(*) AS n FROM ticket_history WHERE company_id = $1 AND action = 'escalated'`,
      [companyId],
    );
    expect(Number(missed.rows[0].n)).toBe(ESCALATING); // only the urgent tickets, none of the normal ones
    expect(
      await scalar(
        `SELECT count(*) AS n FROM outbox_events WHERE type = 'TicketEscalated' AND company_id = $1`,
        [companyId],
      ),
    ).toBe(ESCALATING);
  });

  it('shuts every process down with exit code 0 on SIGTERM', () => {
    expect(outcome.exits.map((exit) => exit.name).sort()).toEqual(
      ['api-1', 'api-2', 'nginx', 'worker-1', 'worker-2'].sort(),
    );
    expect(outcome.exits.filter((exit) => exit.code !== 0 || exit.signal !== null)).toEqual([]);
    // No process logged an error while the stack ran (what the service does while its connections close
    // is its own shutdown's business; the exit codes above are the launcher's).
    const errors = [
      ...linesOf('api', (line) => line.level === 'error' && beforeStop(line)),
      ...linesOf('worker', (line) => line.level === 'error' && beforeStop(line)),
    ].flat();
    expect(errors).toEqual([]);
  });
});
