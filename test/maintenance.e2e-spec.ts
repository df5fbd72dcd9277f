import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { MaintenanceNotifier } from '../src/modules/maintenance/maintenance-notifier';
import { MaintenanceScanner } from '../src/modules/maintenance/maintenance-scanner';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { SmtpSink } from './support/peers';
import { waitFor, waitUntilQuiet } from './support/wait';

interface Customer {
  id: string;
  email: string;
  token: string;
}

const HOUR = 60;

describe('Maintenance notices (controllable clock)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date('2026-11-23T08:00:00Z'));
  const companyA = randomUUID();
  const companyB = randomUUID();
  let adminA: string;
  let adminB: string;
  let agentA: string;
  // Company A: two wifi users (one opted out of email), a portal user, an untagged customer and an
  // inactive wifi customer; company B: a wifi user.
  let wifi1: Customer;
  let wifi2: Customer;
  let portal: Customer;
  let untagged: Customer;
  let inactiveWifi: Customer;
  let otherTenantWifi: Customer;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const scan = () => t.app.get(MaintenanceScanner).scan();
  const iso = (minutesFromNow: number) =>
    new Date(clock.now().getTime() + minutesFromNow * 60_000).toISOString();

  const newCustomer = async (
    companyId: string,
    token: string,
    body: Record<string, unknown>,
  ): Promise<Customer> => {
    const email = `m${randomUUID().slice(0, 8)}@example.com`;
    const created = await request(t.url)
      .post('/v1/customers')
      .set(as(token))
      .send({ name: 'Achieng Otieno', email, currency: 'KES', ...body })
      .expect(201);
    return {
      id: created.body.id,
      email,
      token: await t.token({ companyId, roles: ['customer'], customerId: created.body.id }),
    };
  };
  const schedule = (body: Record<string, unknown>, token = adminA) =>
    request(t.url)
      .post('/v1/maintenance')
      .set(as(token))
      .send({ severity: 'major', message: 'Core router upgrade.', ...body });

  const mailsTo = (customer: Customer): ParsedMail[] =>
    smtp.messages.filter((m) => JSON.stringify(m.to ?? '').includes(customer.email));
  const waitForMail = (customer: Customer, subject: RegExp) =>
    waitFor(() => mailsTo(customer).find((m) => subject.test(m.subject ?? '')), {
      what: `${subject.source} to ${customer.email}`,
    });
  const inbox = async (customer: Customer) =>
    (await request(t.url).get('/v1/notifications?limit=200').set(as(customer.token)).expect(200)).body
      .data as Array<{ type: string; title: string; body: string }>;
  /** Until the outbox, the subscribers and the deliveries have nothing left to do. */
  const settle = () =>
    waitUntilQuiet(
      async () => [
        (await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL`)).rows[0]
          .n,
        (await t.db.query(`SELECT status, count(*)::int AS n FROM notification_deliveries GROUP BY status`))
          .rows,
        smtp.messages.length,
      ],
      1000,
      30_000,
    );
  const metric = async (labels: string) => {
    const line = (await t.metrics())
      .split('\n')
      .find((l) => l.startsWith(`maintenance_notifications_sent_total{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({
      clock,
      env: { SMTP_URL: smtp.url, MAINTENANCE_SCAN_INTERVAL_MS: '3600000' },
    });
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme WiFi'), ($2, 'Other ISP')`, [
      companyA,
      companyB,
    ]);
    adminA = await t.token({ companyId: companyA, roles: ['admin'], userId: 'admin-a' });
    agentA = await t.token({ companyId: companyA, roles: ['agent'], userId: 'agent-a' });
    adminB = await t.token({ companyId: companyB, roles: ['admin'], userId: 'admin-b' });
    wifi1 = await newCustomer(companyA, adminA, { tags: ['service:wifi'] });
    wifi2 = await newCustomer(companyA, adminA, { tags: ['vip', 'service:wifi', 'service:portal'] });
    portal = await newCustomer(companyA, adminA, { tags: ['service:portal'] });
    untagged = await newCustomer(companyA, adminA, {});
    inactiveWifi = await newCustomer(companyA, adminA, { tags: ['service:wifi'], status: 'inactive' });
    otherTenantWifi = await newCustomer(companyB, adminB, { tags: ['service:wifi'] });
    // wifi2 wants no email: maintenance that is not critical reaches it in-app only.
    await request(t.url)
      .put('/v1/notifications/preferences')
      .set(as(wifi2.token))
      .send({ recipient_kind: 'customer', recipient_id: wifi2.id, channel: 'email', opted_out: true })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  describe('bad input', () => {
    it('refuses a window ending before it starts with a clear 400 problem, and writes nothing', async () => {
      const response = await schedule({
        starts_at: iso(72 * HOUR),
        ends_at: iso(70 * HOUR),
        services: ['wifi'],
      })
        .expect(400)
        .expect('content-type', /application\/problem\+json/);
      expect(response.body).toMatchObject({
        status: 400,
        type: expect.stringContaining('maintenance-window-invalid'),
        errors: [{ field: 'ends_at', message: 'ends_at must be after starts_at' }],
      });
      const rows = await t.db.query(`SELECT count(*)::int AS n FROM maintenance_windows`);
      const events = await t.db.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type LIKE 'Maintenance%'`,
      );
      expect(rows.rows[0].n).toBe(0);
      expect(events.rows[0].n).toBe(0);
    });

    it('names each faulty field: no offset, unknown severity, bad service names, an empty message', async () => {
      const response = await schedule({
        starts_at: '2026-11-26T02:00:00',
        ends_at: iso(80 * HOUR),
        services: ['wi fi'],
        severity: 'catastrophic',
        message: ' ',
      }).expect(400);
      const fields = (response.body.errors as Array<{ field: string }>).map((e) => e.field);
      expect(new Set(fields)).toEqual(new Set(['starts_at', 'services', 'severity', 'message']));
      await schedule({ starts_at: iso(-3 * HOUR), ends_at: iso(-1 * HOUR), services: ['wifi'] })
        .expect(400)
        .expect((r) =>
          expect(r.body.errors).toEqual([{ field: 'ends_at', message: 'ends_at must be in the future' }]),
        );
      expect((await t.db.query(`SELECT count(*)::int AS n FROM maintenance_windows`)).rows[0].n).toBe(0);
    });

    it('only admins schedule', async () => {
      await schedule(
        { starts_at: iso(72 * HOUR), ends_at: iso(74 * HOUR), services: ['wifi'] },
        agentA,
      ).expect(403);
    });
  });

  it('tells exactly the customers using the service, at announcement (48 h ahead), move, start and completion', async () => {
    clock.set('2026-11-23T08:00:00Z');
    const created = await schedule({
      starts_at: '2026-11-26T05:00:00+03:00', // 02:00 UTC, 66 h from now: announced at 2026-11-24T02:00Z
      ends_at: '2026-11-26T04:00:00Z',
      services: ['WiFi'],
    }).expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      status: 'scheduled',
      services: ['wifi'],
      starts_at: '2026-11-26T02:00:00.000Z',
      announce_at: '2026-11-24T02:00:00.000Z',
      announced_at: null,
      version: 1,
    });

    // Not yet 48 h ahead: nobody hears anything.
    clock.set('2026-11-24T01:59:00Z');
    expect(await scan()).toEqual({ announced: 0, started: 0, completed: 0 });
    await settle();
    expect(smtp.messages).toHaveLength(0);

    clock.set('2026-11-24T02:00:00Z');
    expect(await scan()).toEqual({ announced: 1, started: 0, completed: 0 });
    expect(await scan()).toEqual({ announced: 0, started: 0, completed: 0 }); // the same tick again: nothing
    const announcement = await waitForMail(wifi1, /^\[major\] Planned maintenance of wifi/);
    expect(announcement.subject).toBe(
      '[major] Planned maintenance of wifi: 2026-11-26 02:00 UTC to 2026-11-26 04:00 UTC',
    );
    expect(announcement.text).toContain('Acme WiFi will carry out planned maintenance of wifi');
    expect(announcement.text).toContain('Core router upgrade.');
    await waitFor(async () => (await inbox(wifi2)).some((n) => n.type === 'maintenance.announced'), {
      what: 'announcement in wifi2 inbox',
    });

    // Moved by an hour: those told hear the new and the old times.
    clock.set('2026-11-24T10:00:00Z');
    const moved = await request(t.url)
      .patch(`/v1/maintenance/${id}`)
      .set(as(adminA))
      .send({ starts_at: '2026-11-26T03:00:00Z', ends_at: '2026-11-26T05:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({ version: 2, starts_at: '2026-11-26T03:00:00.000Z' });
    expect(moved.body.announced_at).not.toBeNull(); // still within 48 h: no second announcement
    const move = await waitForMail(wifi1, /moved/);
    expect(move.subject).toBe(
      '[major] Maintenance of wifi moved: now 2026-11-26 03:00 UTC to 2026-11-26 05:00 UTC',
    );
    expect(move.text).toContain('2026-11-26 02:00 UTC to 2026-11-26 04:00 UTC');

    // A message-only edit is not a move: no new notice.
    await request(t.url)
      .patch(`/v1/maintenance/${id}`)
      .set(as(adminA))
      .send({ message: 'Core router upgrade; expect short drops.' })
      .expect(200)
      .expect((r) => expect(r.body.version).toBe(2));

    clock.set('2026-11-26T02:59:00Z');
    expect(await scan()).toEqual({ announced: 0, started: 0, completed: 0 });
    clock.set('2026-11-26T03:00:00Z');
    expect(await scan()).toEqual({ announced: 0, started: 1, completed: 0 });
    const start = await waitForMail(wifi1, /has started/);
    expect(start.text).toContain('expect short drops');

    // In progress: the public list shows it as current.
    const current = await request(t.url).get(`/v1/maintenance?company_id=${companyA}`).expect(200);
    expect(current.body.data).toEqual([
      expect.objectContaining({ id, status: 'in_progress', services: ['wifi'], severity: 'major' }),
    ]);
    expect(current.body.data[0]).not.toHaveProperty('created_by');

    clock.set('2026-11-26T05:00:00Z');
    expect(await scan()).toEqual({ announced: 0, started: 0, completed: 1 });
    await waitForMail(wifi1, /is complete/);
    await settle();

    // Exactly one notice per stage for each wifi user, by email (unless opted out) and in-app.
    expect(mailsTo(wifi1).map((m) => m.subject)).toEqual([
      '[major] Planned maintenance of wifi: 2026-11-26 02:00 UTC to 2026-11-26 04:00 UTC',
      '[major] Maintenance of wifi moved: now 2026-11-26 03:00 UTC to 2026-11-26 05:00 UTC',
      '[major] Maintenance of wifi has started (until 2026-11-26 05:00 UTC)',
      'Maintenance of wifi is complete',
    ]);
    expect(mailsTo(wifi2)).toHaveLength(0);
    for (const customer of [wifi1, wifi2]) {
      expect((await inbox(customer)).map((n) => n.type).sort()).toEqual([
        'maintenance.announced',
        'maintenance.completed',
        'maintenance.rescheduled',
        'maintenance.started',
      ]);
    }
    // Nobody else: not the portal user, the untagged or inactive customer, nor the other tenant's.
    for (const customer of [portal, untagged, inactiveWifi, otherTenantWifi]) {
      expect(mailsTo(customer)).toHaveLength(0);
      expect(await inbox(customer)).toHaveLength(0);
    }
    expect(smtp.messages).toHaveLength(4);

    // Counted as sent: 4 emails (wifi1) and 8 in-app notices (wifi1 and wifi2).
    await waitFor(
      async () => (await metric(`company_id="${companyA}",severity="major",channel="in_app"`)) === 8,
      {
        what: 'in-app metric',
      },
    );
    expect(await metric(`company_id="${companyA}",severity="major",channel="email"`)).toBe(4);

    // Replayed events (a retried or redelivered job) tell nobody twice.
    const notifier = t.app.get(MaintenanceNotifier);
    const { rows: events } = await t.db.query(
      `SELECT event_id, type, company_id, user_id, customer_id, occurred_at AS timestamp, metadata, correlation_id
         FROM outbox_events WHERE metadata->>'window_id' = $1 ORDER BY seq`,
      [id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'MaintenanceScheduled',
      'MaintenanceAnnounced',
      'MaintenanceRescheduled',
      'MaintenanceStarted',
      'MaintenanceCompleted',
    ]);
    for (const event of events) {
      if (event.type === 'MaintenanceAnnounced') await notifier.announced(event);
      if (event.type === 'MaintenanceRescheduled') await notifier.rescheduled(event);
      if (event.type === 'MaintenanceStarted') await notifier.started(event);
      if (event.type === 'MaintenanceCompleted') await notifier.completed(event);
    }
    await settle();
    expect(smtp.messages).toHaveLength(4);
    expect(await inbox(wifi1)).toHaveLength(4);

    // A finished window is closed.
    await request(t.url).patch(`/v1/maintenance/${id}`).set(as(adminA)).send({ message: 'late' }).expect(409);
    await request(t.url).post(`/v1/maintenance/${id}/cancel`).set(as(adminA)).send({}).expect(409);
  });

  it('announces a window within 48 h at once; cancelling it tells those told, and nobody else', async () => {
    clock.set('2026-11-27T08:00:00Z');
    smtp.messages.length = 0;
    const created = await schedule({
      starts_at: '2026-11-28T02:00:00Z',
      ends_at: '2026-11-28T03:00:00Z',
      services: ['portal'],
      severity: 'critical',
      message: 'Portal database migration.',
    }).expect(201);
    expect(created.body.announced_at).toBe('2026-11-27T08:00:00.000Z');
    // Critical notices ignore opt-outs: wifi2 (portal user too) gets this email.
    await waitForMail(portal, /^\[critical\] Planned maintenance of portal/);
    await waitForMail(wifi2, /^\[critical\] Planned maintenance of portal/);

    // Customers newly tagged after the announcement are not told of a cancellation they never heard of.
    const latecomer = await newCustomer(companyA, adminA, { tags: ['service:portal'] });

    await request(t.url)
      .post(`/v1/maintenance/${created.body.id}/cancel`)
      .set(as(adminA))
      .send({ reason: 'The vendor postponed the migration.' })
      .expect(200)
      .expect((r) =>
        expect(r.body).toMatchObject({
          status: 'cancelled',
          cancel_reason: 'The vendor postponed the migration.',
        }),
      );
    const cancellation = await waitForMail(portal, /cancelled/);
    expect(cancellation.subject).toBe('Maintenance of portal cancelled');
    expect(cancellation.text).toContain('The vendor postponed the migration.');
    await waitForMail(wifi2, /cancelled/);
    await settle();
    expect(mailsTo(latecomer)).toHaveLength(0);
    for (const customer of [wifi1, untagged, inactiveWifi, otherTenantWifi])
      expect(mailsTo(customer)).toHaveLength(0);
    expect(smtp.messages).toHaveLength(4);

    // Cancelled stays cancelled; the scan never starts it.
    clock.set('2026-11-28T02:30:00Z');
    expect(await scan()).toEqual({ announced: 0, started: 0, completed: 0 });
    await request(t.url)
      .post(`/v1/maintenance/${created.body.id}/cancel`)
      .set(as(adminA))
      .send({})
      .expect(409);
  });

  it('cancelling a window nobody heard of yet sends nothing; moving it far out announces again 48 h ahead', async () => {
    clock.set('2026-12-01T08:00:00Z');
    smtp.messages.length = 0;
    const far = await schedule({
      starts_at: '2026-12-10T02:00:00Z',
      ends_at: '2026-12-10T03:00:00Z',
      services: ['wifi'],
    }).expect(201);
    await request(t.url).post(`/v1/maintenance/${far.body.id}/cancel`).set(as(adminA)).send({}).expect(200);

    const near = await schedule({
      starts_at: '2026-12-02T02:00:00Z',
      ends_at: '2026-12-02T03:00:00Z',
      services: ['wifi'],
      severity: 'minor',
    }).expect(201);
    await waitForMail(wifi1, /^\[minor\] Planned maintenance of wifi: 2026-12-02/);
    // Moved a week out: told of the move now, announced again 48 h before the new start.
    const moved = await request(t.url)
      .patch(`/v1/maintenance/${near.body.id}`)
      .set(as(adminA))
      .send({ starts_at: '2026-12-09T02:00:00Z', ends_at: '2026-12-09T03:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({
      announced_at: null,
      announce_at: '2026-12-07T02:00:00.000Z',
      version: 2,
    });
    await waitForMail(wifi1, /^\[minor\] Maintenance of wifi moved/);
    clock.set('2026-12-07T02:00:00Z');
    expect(await scan()).toMatchObject({ announced: 1 });
    await waitForMail(wifi1, /^\[minor\] Planned maintenance of wifi: 2026-12-09/);
    await settle();
    expect(mailsTo(wifi1).map((m) => m.subject)).toEqual([
      '[minor] Planned maintenance of wifi: 2026-12-02 02:00 UTC to 2026-12-02 03:00 UTC',
      '[minor] Maintenance of wifi moved: now 2026-12-09 02:00 UTC to 2026-12-09 03:00 UTC',
      '[minor] Planned maintenance of wifi: 2026-12-09 02:00 UTC to 2026-12-09 03:00 UTC',
    ]);
    expect(smtp.messages).toHaveLength(3); // wifi2 opted out of email; nobody heard of the cancelled one
  });

  it('lists current and upcoming windows only, publicly by company or by token, never another tenant’s', async () => {
    clock.set('2026-12-07T03:00:00Z');
    const upcomingB = await schedule(
      { starts_at: '2026-12-20T02:00:00Z', ends_at: '2026-12-20T03:00:00Z', services: ['wifi'] },
      adminB,
    ).expect(201);
    const listA = await request(t.url).get(`/v1/maintenance?company_id=${companyA}`).expect(200);
    // Company A: only the window moved to 2026-12-09 is current or upcoming (others completed or cancelled).
    expect(listA.body).toEqual({
      data: [expect.objectContaining({ status: 'scheduled', starts_at: '2026-12-09T02:00:00.000Z' })],
      next_cursor: null,
    });
    const byToken = await request(t.url).get('/v1/maintenance').set(as(adminB)).expect(200);
    expect(byToken.body.data.map((w: { id: string }) => w.id)).toEqual([upcomingB.body.id]);
    const byCustomerToken = await request(t.url)
      .get('/v1/maintenance')
      .set(as(otherTenantWifi.token))
      .expect(200);
    expect(byCustomerToken.body.data.map((w: { id: string }) => w.id)).toEqual([upcomingB.body.id]);

    await request(t.url)
      .get('/v1/maintenance')
      .expect(400)
      .expect((r) => expect(r.body.errors).toEqual([expect.objectContaining({ field: 'company_id' })]));
    await request(t.url).get(`/v1/maintenance?company_id=${companyA}`).set(as(adminB)).expect(400);
    await request(t.url).get('/v1/maintenance').set({ authorization: 'Bearer nonsense' }).expect(401);

    // Pages of one, in start order.
    await schedule({
      starts_at: '2026-12-15T02:00:00Z',
      ends_at: '2026-12-15T03:00:00Z',
      services: ['portal'],
    }).expect(201);
    const first = await request(t.url).get(`/v1/maintenance?company_id=${companyA}&limit=1`).expect(200);
    expect(first.body.data[0].starts_at).toBe('2026-12-09T02:00:00.000Z');
    const second = await request(t.url)
      .get(`/v1/maintenance?company_id=${companyA}&limit=1&cursor=${first.body.next_cursor}`)
      .expect(200);
    expect(second.body).toEqual({
      data: [expect.objectContaining({ starts_at: '2026-12-15T02:00:00.000Z' })],
      next_cursor: null,
    });
  });

  it("answers another tenant's window id with 404 and changes nothing", async () => {
    clock.set('2026-12-07T04:00:00Z');
    const windowA = await schedule({
      starts_at: '2026-12-21T02:00:00Z',
      ends_at: '2026-12-21T03:00:00Z',
      services: ['wifi'],
    }).expect(201);
    const id = windowA.body.id as string;
    await request(t.url).get(`/v1/maintenance/${id}`).set(as(adminB)).expect(404);
    await request(t.url)
      .patch(`/v1/maintenance/${id}`)
      .set(as(adminB))
      .send({ message: 'hijack' })
      .expect(404);
    await request(t.url).post(`/v1/maintenance/${id}/cancel`).set(as(adminB)).send({}).expect(404);
    await request(t.url).get(`/v1/maintenance/${randomUUID()}`).set(as(adminA)).expect(404);
    await request(t.url).get('/v1/maintenance/not-a-uuid').set(as(adminA)).expect(404);
    const own = await request(t.url).get(`/v1/maintenance/${id}`).set(as(agentA)).expect(200);
    expect(own.body).toMatchObject({ status: 'scheduled', message: 'Core router upgrade.', version: 1 });
  });
});
