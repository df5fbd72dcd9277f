import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { SlaScanner } from '../src/modules/tickets/sla/sla-scanner';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { SmtpSink } from './support/peers';
import { serviceEnv, spawnService, stop } from './support/processes';
import { waitFor } from './support/wait';

const OFFICE_WEEK = Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [['09:00', '17:00']]]));

describe('Ticket SLAs and escalation (controllable clock)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date('2026-11-23T08:00:00Z')); // a Monday, before opening
  const companyId = randomUUID();
  let admin: string;
  let agent: string;
  let customer: { id: string; token: string; email: string };

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const scan = () => t.app.get(SlaScanner).scan();
  const sla = (id: string) =>
    request(t.url)
      .get(`/v1/tickets/${id}/sla`)
      .set(as(agent))
      .expect(200)
      .then((r) => r.body);
  const level = async (id: string) =>
    (await t.db.query('SELECT escalation_level FROM tickets WHERE id = $1', [id])).rows[0]
      .escalation_level as number;
  const submit = (body: Record<string, unknown>) =>
    request(t.url)
      .post('/v1/tickets')
      .set(as(customer.token))
      .send({ subject: 'Router down', description: 'No light', category: 'technical', ...body })
      .expect(201)
      .then((r) => r.body as { id: string; ticket_number: string });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({
      clock,
      env: { SMTP_URL: smtp.url, TICKET_SLA_SCAN_INTERVAL_MS: '3600000' },
    });
    admin = await t.token({ companyId, roles: ['admin'] });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    const created = await request(t.url)
      .post('/v1/customers')
      .set(as(agent))
      .send({ name: 'Wanjiku', email, currency: 'KES' })
      .expect(201);
    customer = {
      id: created.body.id,
      email,
      token: await t.token({ companyId, roles: ['customer'], customerId: created.body.id }),
    };
    // The people escalations reach: a team lead in the department, a director company-wide.
    for (const [userId, roles, department] of [
      ['lead-1', ['agent', 'team_lead'], 'technical'],
      ['director-1', ['manager', 'director'], undefined],
    ] as const) {
      await request(t.url)
        .put(`/v1/staff/${userId}`)
        .set(as(admin))
        .send({ name: userId, email: `${userId}@example.com`, roles, department })
        .expect(200);
    }
    await request(t.url)
      .put('/v1/tickets/sla/calendars/office')
      .set(as(admin))
      .send({ time_zone: 'UTC', week: OFFICE_WEEK, holidays: ['2026-12-25'] })
      .expect(200);
    await request(t.url)
      .put('/v1/tickets/sla/policies')
      .set(as(admin))
      .send({
        policies: [
          {
            name: 'urgent',
            conditions: { priorities: ['urgent'] },
            first_response_minutes: 60,
            resolution_minutes: 240,
            calendar: 'office',
          },
          {
            name: 'standard',
            fallback: true,
            first_response_minutes: 120,
            next_response_minutes: 60,
            resolution_minutes: 480,
            calendar: 'office',
          },
        ],
      })
      .expect(200);
    await request(t.url)
      .put('/v1/tickets/escalation-rules')
      .set(as(admin))
      .send({
        rules: [
          { level: 1, minutes_from_due: 0, notify_role: 'team_lead' },
          { level: 2, minutes_from_due: 60, notify_role: 'manager' },
          { level: 3, minutes_from_due: 120, notify_role: 'director', notify_customer: true },
        ],
      })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('escalates level by level at the right working time, never twice, telling each level and finally the customer', async () => {
    clock.set('2026-11-23T08:00:00Z');
    const ticket = await submit({ priority: 'urgent' });
    // Submitted before opening: the clock starts at 09:00, so the first response is due at 10:00.
    const applied = await sla(ticket.id);
    expect(applied).toMatchObject({ policy: { name: 'urgent' }, state: 'active', escalation_level: 0 });
    expect(applied.targets).toEqual([
      expect.objectContaining({
        kind: 'first_response',
        status: 'active',
        due_at: '2026-11-23T10:00:00.000Z',
      }),
      expect.objectContaining({ kind: 'resolution', status: 'active', due_at: '2026-11-23T13:00:00.000Z' }),
    ]);

    clock.set('2026-11-23T09:59:00Z');
    await scan();
    expect(await level(ticket.id)).toBe(0);

    clock.set('2026-11-23T10:00:00Z');
    await scan();
    await scan(); // the same tick again changes nothing
    expect(await level(ticket.id)).toBe(1);
    const breached = await sla(ticket.id);
    expect(breached.state).toBe('active_with_misses');
    expect(breached.targets[0]).toMatchObject({ status: 'missed', breached_at: '2026-11-23T10:00:00.000Z' });
    await waitFor(
      () => smtp.messages.find((m) => m.subject === `[Escalation L1] Router down [${ticket.ticket_number}]`),
      {
        what: 'team lead email',
      },
    ).then((m) => expect(JSON.stringify(m.to)).toContain('lead-1@example.com'));

    clock.set('2026-11-23T10:59:00Z');
    await scan();
    expect(await level(ticket.id)).toBe(1);
    clock.set('2026-11-23T11:00:00Z');
    await scan();
    expect(await level(ticket.id)).toBe(2);
    clock.set('2026-11-23T12:00:00Z');
    await scan();
    expect(await level(ticket.id)).toBe(3);
    await scan();

    const history = await request(t.url).get(`/v1/tickets/${ticket.id}`).set(as(agent)).expect(200);
    const escalations = history.body.history.filter((h: { action: string }) => h.action === 'escalated');
    expect(escalations.map((h: { changes: unknown }) => h.changes)).toEqual([
      { escalation_level: { before: 0, after: 1 }, reason: 'first_response_breached' },
      { escalation_level: { before: 1, after: 2 }, reason: 'first_response_breached' },
      { escalation_level: { before: 2, after: 3 }, reason: 'first_response_breached' },
    ]);
    const director = await waitFor(
      () => smtp.messages.find((m) => m.subject === `[Escalation L3] Router down [${ticket.ticket_number}]`),
      { what: 'director email' },
    );
    expect(JSON.stringify(director.to)).toContain('director-1@example.com'); // no director in the department
    const notice = await waitFor(
      () =>
        smtp.messages.find(
          (m) => m.subject === `Update on your request: Router down [${ticket.ticket_number}]`,
        ),
      { what: 'customer notice' },
    );
    expect(JSON.stringify(notice.to)).toContain(customer.email);
    const events = await t.db.query(
      `SELECT type, count(*)::int AS n FROM outbox_events WHERE metadata->>'ticket_id' = $1
        AND type IN ('TicketEscalated', 'TicketSlaBreached') GROUP BY type ORDER BY type`,
      [ticket.id],
    );
    expect(events.rows).toEqual([
      { type: 'TicketEscalated', n: 3 },
      { type: 'TicketSlaBreached', n: 1 },
    ]);
    await waitFor(async () => (await t.metrics()).includes('tickets_escalated_total{company_id='), {
      what: 'escalation metric',
    });
    const metrics = await t.metrics();
    expect(metrics).toMatch(/tickets_escalated_total\{[^}]*level="3",reason="first_response_breached"\} 1/);
    expect(metrics).toMatch(/ticket_sla_breaches_total\{[^}]*kind="first_response"\} 1/);
  });

  it('counts only business hours: nights, weekends and holidays do not use up the SLA', async () => {
    clock.set('2026-11-20T16:30:00Z'); // Friday, 30 minutes before closing
    const ticket = await submit({ priority: 'normal' });
    const { targets } = await sla(ticket.id);
    // 120 working minutes: 30 on Friday, 90 on Monday from 09:00.
    expect(targets[0]).toMatchObject({ kind: 'first_response', due_at: '2026-11-23T10:30:00.000Z' });

    clock.set('2026-11-22T12:00:00Z'); // Sunday: two wall-clock days later, nothing is due
    await scan();
    expect(await level(ticket.id)).toBe(0);
    clock.set('2026-11-23T10:30:00Z');
    await scan();
    expect(await level(ticket.id)).toBe(1);
  });

  it('pauses the resolution clock while pending on the customer, keeps the first response, and ends hit', async () => {
    clock.set('2026-11-24T09:00:00Z'); // Tuesday
    const ticket = await submit({ priority: 'normal' });
    clock.set('2026-11-24T09:30:00Z');
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/comments`)
      .set(as(agent))
      .send({ body: 'Which light is red?' })
      .expect(201);
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/status`)
      .set(as(agent))
      .send({ status: 'pending' })
      .expect(200);
    // Resolution was due Tuesday 17:00; 30 working minutes are used when it is paused.
    clock.set('2026-11-25T16:00:00Z'); // far past the original deadline, still pending
    await scan();
    expect((await sla(ticket.id)).targets[1]).toMatchObject({
      kind: 'resolution',
      status: 'paused',
      due_at: null,
    });
    expect(await level(ticket.id)).toBe(0);

    clock.set('2026-11-26T10:00:00Z'); // Thursday: the customer answers, the clock resumes
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/comments`)
      .set(as(customer.token))
      .send({ body: 'The DSL light' })
      .expect(201);
    const resumed = await sla(ticket.id);
    // 450 working minutes remain: Thursday 10:00 + 7 h 30 → Friday 09:30.
    expect(resumed.targets[1]).toMatchObject({ status: 'active', due_at: '2026-11-27T09:30:00.000Z' });
    // The customer's message starts a next-response target (60 working minutes).
    expect(resumed.targets[2]).toMatchObject({ kind: 'next_response', due_at: '2026-11-26T11:00:00.000Z' });

    clock.set('2026-11-26T10:20:00Z');
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/comments`)
      .set(as(agent))
      .send({ body: 'Thanks, replacing the filter' })
      .expect(201);
    clock.set('2026-11-26T12:00:00Z');
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/status`)
      .set(as(agent))
      .send({ status: 'resolved' })
      .expect(200);
    const done = await sla(ticket.id);
    expect(done.state).toBe('hit');
    expect(done.targets.map((x: { kind: string; status: string }) => [x.kind, x.status])).toEqual([
      ['first_response', 'hit'],
      ['resolution', 'hit'],
      ['next_response', 'hit'],
    ]);
    const row = (await t.db.query('SELECT first_response_at FROM tickets WHERE id = $1', [ticket.id]))
      .rows[0];
    expect(row.first_response_at.toISOString()).toBe('2026-11-24T09:30:00.000Z'); // never overwritten
    expect(done.events.map((e: { kind: string; target: string }) => `${e.kind}:${e.target}`)).toEqual([
      'applied:first_response',
      'applied:resolution',
      'fulfilled:first_response',
      'paused:resolution',
      'resumed:resolution',
      'applied:next_response',
      'fulfilled:next_response',
      'fulfilled:resolution',
    ]);
    const list = await request(t.url)
      .get('/v1/tickets?sla_breached=false&limit=100')
      .set(as(agent))
      .expect(200);
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(ticket.id);
  });

  it('lists breached and escalated tickets, and re-chooses the policy when the priority changes', async () => {
    clock.set('2026-11-30T09:00:00Z'); // Monday
    const ticket = await submit({ priority: 'normal' });
    expect((await sla(ticket.id)).targets[0].due_at).toBe('2026-11-30T11:00:00.000Z');
    await request(t.url)
      .patch(`/v1/tickets/${ticket.id}`)
      .set(as(agent))
      .send({ priority: 'urgent' })
      .expect(200);
    const changed = await sla(ticket.id);
    expect(changed.policy.name).toBe('urgent');
    expect(changed.targets[0].due_at).toBe('2026-11-30T10:00:00.000Z');

    clock.set('2026-11-30T10:00:00Z');
    // The scheduled scan may hold the ticket at this moment (its scan skips locked rows): scan until it is
    // escalated, whichever scan did it.
    const breached = await waitFor(
      async () => {
        await scan();
        const page = await request(t.url)
          .get('/v1/tickets?sla_breached=true&escalation_level=1&limit=100')
          .set(as(agent))
          .expect(200);
        return page.body.data.some((x: { id: string }) => x.id === ticket.id) ? page : undefined;
      },
      { what: 'the urgent ticket to be breached and escalated' },
    );
    expect(breached.body.data.map((x: { id: string }) => x.id)).toContain(ticket.id);
    expect(
      breached.body.data.every((x: { sla: { state: string } }) => x.sla.state === 'active_with_misses'),
    ).toBe(true);
    const timeline = await request(t.url).get(`/v1/tickets/${ticket.id}`).set(as(agent)).expect(200);
    expect(timeline.body.history.find((h: { action: string }) => h.action === 'updated').changes).toEqual({
      priority: { before: 'normal', after: 'urgent' },
    });
  });

  it('re-plans unfinished tickets when the escalation rules change', async () => {
    clock.set('2026-12-07T09:00:00Z'); // Monday
    const ticket = await submit({ priority: 'normal' }); // first response due 11:00
    const nextEscalation = async () =>
      (
        await t.db.query('SELECT next_escalation_at FROM tickets WHERE id = $1', [ticket.id])
      ).rows[0].next_escalation_at?.toISOString();
    expect(await nextEscalation()).toBe('2026-12-07T11:00:00.000Z');
    await request(t.url)
      .put('/v1/tickets/escalation-rules')
      .set(as(admin))
      .send({ rules: [{ level: 1, minutes_from_due: -60, notify_role: 'team_lead' }] })
      .expect(200);
    await waitFor(async () => (await nextEscalation()) === '2026-12-07T10:00:00.000Z', {
      what: 'the plan to follow the new rule',
    });
    const plan = (await t.db.query('SELECT escalation_plan FROM tickets WHERE id = $1', [ticket.id])).rows[0]
      .escalation_plan;
    expect(plan).toEqual([expect.objectContaining({ level: 1, reason: 'first_response_due_soon' })]);
  });

  it('refuses bad SLA configuration with a 4xx problem and keeps the old one', async () => {
    const before = await request(t.url).get('/v1/tickets/sla/policies').set(as(agent)).expect(200);
    await request(t.url)
      .put('/v1/tickets/sla/calendars/broken')
      .set(as(admin))
      .send({ time_zone: 'Mars/Olympus', week: { '1': [['17:00', '09:00']] } })
      .expect(400);
    const unknownCalendar = await request(t.url)
      .put('/v1/tickets/sla/policies')
      .set(as(admin))
      .send({ policies: [{ name: 'x', first_response_minutes: 10, calendar: 'nope' }] })
      .expect(422);
    expect(unknownCalendar.body.errors).toEqual([expect.objectContaining({ field: 'policies.0.calendar' })]);
    await request(t.url)
      .put('/v1/tickets/sla/policies')
      .set(as(admin))
      .send({ policies: [{ name: 'x', conditions: { priorities: ['whenever'] } }] })
      .expect(400);
    await request(t.url)
      .put('/v1/tickets/escalation-rules')
      .set(as(admin))
      .send({ rules: [{ level: 4, minutes_from_due: 0, notify_role: 'team_lead' }] })
      .expect(400);
    await request(t.url).put('/v1/tickets/sla/policies').set(as(agent)).send({ policies: [] }).expect(403);
    const after = await request(t.url).get('/v1/tickets/sla/policies').set(as(agent)).expect(200);
    expect(after.body).toEqual(before.body);
    expect((await t.db.query(`SELECT 1 FROM ticket_calendars WHERE name = 'broken'`)).rowCount).toBe(0);
  });
});

describe('The escalation scan with two worker processes', () => {
  it('escalates each due ticket once per tick, whichever worker runs it', async () => {
    // Tickets submitted two days ago (an API-only app with a clock in the past), then two real workers.
    const clock = new ManualClock(new Date(Date.now() - 2 * 24 * 3600 * 1000));
    const api = await startTestApp({ clock, env: { APP_ROLE: 'api' } });
    const companyId = randomUUID();
    const agent = await api.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await request(api.url)
        .post('/v1/tickets')
        .set('authorization', `Bearer ${agent}`)
        .send({
          subject: `Outage ${i}`,
          description: 'd',
          category: 'connectivity',
          requester_name: 'Walk-in',
          priority: i % 2 ? 'urgent' : 'normal',
        })
        .expect(201);
      ids.push(res.body.id);
    }
    const shared = serviceEnv(api.databaseUrl, {
      APP_ROLE: 'worker',
      REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
      TICKET_SLA_SCAN_INTERVAL_MS: '250',
      LOG_LEVEL: 'info',
    });
    const workers = [
      spawnService('main', { ...shared, PORT: '0' }),
      spawnService('main', { ...shared, PORT: '0' }),
    ];
    try {
      await waitFor(
        async () =>
          (
            await api.db.query(
              `SELECT count(*)::int AS n FROM tickets WHERE id = ANY($1) AND escalation_level = 3`,
              [ids],
            )
          ).rows[0].n === ids.length,
        { what: 'all tickets at level 3', timeoutMs: 30_000 },
      );
      // Let several more ticks run before counting: a second application would show up now.
      const ticksSoFar = async () =>
        (
          await api.db.query(
            `SELECT count(*)::int AS n FROM scheduled_task_runs WHERE task = 'tickets.sla-scan'`,
          )
        ).rows[0].n as number;
      const done = await ticksSoFar();
      await waitFor(async () => (await ticksSoFar()) >= done + 8, {
        what: 'more scan ticks',
        timeoutMs: 20_000,
      });
      const history = await api.db.query(
        `SELECT ticket_id, count(*)::int AS n FROM ticket_history WHERE ticket_id = ANY($1) AND action = 'escalated'
          GROUP BY ticket_id`,
        [ids],
      );
      expect(history.rows).toHaveLength(ids.length);
      expect(history.rows.every((row) => row.n === 1)).toBe(true); // both due levels fell due long ago: one jump to 3
      const events = await api.db.query(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'TicketEscalated' AND company_id = $1`,
        [companyId],
      );
      expect(events.rows[0].n).toBe(ids.length);
      const ticks = await api.db.query(
        `SELECT tick_at, count(*)::int AS n FROM scheduled_task_runs WHERE task = 'tickets.sla-scan' GROUP BY tick_at
          HAVING count(*) > 1`,
      );
      expect(ticks.rows).toEqual([]);
    } finally {
      await Promise.all(workers.map((worker) => stop(worker.child)));
      await api.close();
    }
  });
});
