import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TicketResolutionService } from '../src/modules/tickets/resolution/ticket-resolution.service';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

describe('Resolution confirmation and satisfaction ratings', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));
  const companyId = randomUUID();
  let agent: string;
  let customer: { id: string; token: string; email: string };
  let other: { id: string; token: string };

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const newCustomer = async (name: string) => {
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    const res = await request(t.url)
      .post('/v1/customers')
      .set(as(agent))
      .send({ name, email, currency: 'KES' })
      .expect(201);
    return {
      id: res.body.id as string,
      email,
      token: await t.token({ companyId, roles: ['customer'], customerId: res.body.id }),
    };
  };
  /** Submits, assigns to agent-1 and resolves a ticket; returns it with the token from the emailed link. */
  const resolvedTicket = async (subject: string) => {
    const submitted = await request(t.url)
      .post('/v1/tickets')
      .set(as(customer.token))
      .send({ subject, description: 'd', category: 'technical' })
      .expect(201);
    const id = submitted.body.id as string;
    await request(t.url)
      .post(`/v1/tickets/${id}/assign`)
      .set(as(agent))
      .send({ assignee_id: 'agent-1' })
      .expect(200);
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(as(agent))
      .send({ status: 'resolved' })
      .expect(200);
    const mail = await waitFor(
      () =>
        smtp.messages.find(
          (m) => m.subject === `Is your request resolved? ${subject} [${submitted.body.ticket_number}]`,
        ),
      { what: 'confirmation request email' },
    );
    expect(JSON.stringify(mail.to)).toContain(customer.email);
    const link = /https?:\/\/\S+\/tickets\/confirm\?token=(\S+)/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    return { id, number: submitted.body.ticket_number as string, token: link![1] };
  };
  const status = async (id: string) =>
    (await t.db.query('SELECT status FROM tickets WHERE id = $1', [id])).rows[0].status as string;
  const ratings = async (id: string) =>
    (await t.db.query('SELECT rating, feedback, agent_id FROM ticket_csat WHERE ticket_id = $1', [id])).rows;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({
      clock,
      env: { SMTP_URL: smtp.url, TICKET_AUTO_CLOSE_DAYS: '5', PORTAL_URL: 'https://portal.example.com' },
    });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    const admin = await t.token({ companyId, roles: ['admin'] });
    await request(t.url)
      .put('/v1/staff/agent-1')
      .set(as(admin))
      .send({ name: 'Agent One', email: 'agent-1@example.com', roles: ['agent'], department: 'technical' })
      .expect(200);
    customer = await newCustomer('Achieng');
    other = await newCustomer('Baraka');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('confirms by the emailed link with a rating, closes the ticket, tells the agent, and refuses the link twice', async () => {
    clock.set('2026-11-23T09:00:00Z');
    const ticket = await resolvedTicket('Slow speeds');
    const view = await request(t.url)
      .post('/v1/tickets/confirmations/lookup')
      .send({ token: ticket.token })
      .expect(200);
    expect(view.body).toMatchObject({
      ticket_number: ticket.number,
      subject: 'Slow speeds',
      answered: false,
    });

    const confirmed = await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'confirm', rating: 4, feedback: 'Quick and polite' })
      .expect(200);
    expect(confirmed.body).toMatchObject({ outcome: 'confirmed', rating: 4 });
    expect(await status(ticket.id)).toBe('closed');
    expect(await ratings(ticket.id)).toEqual([
      { rating: 4, feedback: 'Quick and polite', agent_id: 'agent-1' },
    ]);
    await waitFor(
      () =>
        smtp.messages.find(
          (m) => m.subject === `Resolution confirmed: Slow speeds [${ticket.number}] rated 4/5`,
        ),
      { what: 'agent email' },
    ).then((m) => expect(JSON.stringify(m.to)).toContain('agent-1@example.com'));

    const again = await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'confirm', rating: 5 })
      .expect(410);
    expect(again.body.type).toMatch(/confirmation-link-used$/);
    expect(await ratings(ticket.id)).toHaveLength(1); // one rating per resolution
    await waitFor(async () => /support_csat_ratings_total\{[^}]*rating="4"\} 1/.test(await t.metrics()), {
      what: 'CSAT metric',
    });
    const events = await t.db.query(
      `SELECT type FROM outbox_events WHERE metadata->>'ticket_id' = $1 AND type IN ('TicketResolutionConfirmed', 'CsatRecorded') ORDER BY type`,
      [ticket.id],
    );
    expect(events.rows.map((r) => r.type)).toEqual(['CsatRecorded', 'TicketResolutionConfirmed']);

    // Support analytics reads the rating from the ledger of ratings, by the agent it rates.
    const analytics = await request(t.url)
      .get('/v1/support/analytics?from=2026-11-23&to=2026-11-24&group_by=agent')
      .set(as(agent))
      .expect(200);
    expect(analytics.body.overall.csat).toMatchObject({
      ratings: 1,
      average: 4,
      satisfied_share: { value: 1, target: 0.9, met: true },
    });
    expect(analytics.body.groups).toContainEqual(
      expect.objectContaining({ key: 'agent-1', csat: expect.objectContaining({ ratings: 1, average: 4 }) }),
    );
  });

  it('reopens by the link, and a new resolution asks again', async () => {
    clock.set('2026-11-24T09:00:00Z');
    const ticket = await resolvedTicket('No signal');
    await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'reopen', reason: 'Still no signal at night' })
      .expect(200);
    expect(await status(ticket.id)).toBe('open');
    const reopened = await t.db.query(
      `SELECT metadata FROM outbox_events WHERE type = 'TicketReopened' AND metadata->>'ticket_id' = $1`,
      [ticket.id],
    );
    expect(reopened.rows).toEqual([
      { metadata: expect.objectContaining({ reason: 'Still no signal at night' }) },
    ]);
    await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'confirm', rating: 5 })
      .expect(410);

    clock.set('2026-11-24T12:00:00Z');
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/status`)
      .set(as(agent))
      .send({ status: 'resolved' })
      .expect(200);
    await waitFor(
      async () =>
        (
          await t.db.query('SELECT count(*)::int AS n FROM ticket_resolution_requests WHERE ticket_id = $1', [
            ticket.id,
          ])
        ).rows[0].n === 2,
      { what: 'a second request' },
    );
    // In the portal: the customer confirms the current resolution; another customer cannot.
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/confirm`)
      .set(as(other.token))
      .send({ rating: 5 })
      .expect(404);
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/confirm`)
      .set(as(customer.token))
      .send({ rating: 5 })
      .expect(200);
    expect((await ratings(ticket.id)).map((r) => r.rating)).toEqual([5]);
  });

  it('refuses an expired or altered link, and closes unanswered tickets after the configured days', async () => {
    clock.set('2026-11-25T09:00:00Z');
    const ticket = await resolvedTicket('Router replacement');
    clock.set('2026-11-30T09:00:01Z'); // five days and a second later
    const expired = await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'confirm', rating: 5 })
      .expect(410);
    expect(expired.body.type).toMatch(/confirmation-link-expired$/);
    await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: `${ticket.token.slice(0, -3)}abc`, action: 'confirm', rating: 5 })
      .expect(404);
    expect(await status(ticket.id)).toBe('resolved');

    clock.set('2026-11-30T08:59:00Z');
    await t.app.get(TicketResolutionService).autoClose();
    expect(await status(ticket.id)).toBe('resolved'); // not yet five days
    clock.set('2026-11-30T09:00:00Z');
    await t.app.get(TicketResolutionService).autoClose();
    expect(await status(ticket.id)).toBe('closed');
    const history = await request(t.url).get(`/v1/tickets/${ticket.id}`).set(as(agent)).expect(200);
    expect(history.body.history.at(-1)).toMatchObject({
      action: 'status_changed',
      changes: { status: { before: 'resolved', after: 'closed' }, reason: 'auto_close' },
    });
    const outcome = await t.db.query('SELECT outcome FROM ticket_resolution_requests WHERE ticket_id = $1', [
      ticket.id,
    ]);
    expect(outcome.rows).toEqual([{ outcome: 'auto_closed' }]);
  });

  it('refuses ratings outside 1-5 and writes nothing', async () => {
    clock.set('2026-12-01T09:00:00Z');
    const ticket = await resolvedTicket('Billing address');
    for (const rating of [0, 6, 4.5, '5']) {
      await request(t.url)
        .post('/v1/tickets/confirmations')
        .send({ token: ticket.token, action: 'confirm', rating })
        .expect(400);
    }
    await request(t.url)
      .post('/v1/tickets/confirmations')
      .send({ token: ticket.token, action: 'confirm' })
      .expect(400);
    await request(t.url)
      .post(`/v1/tickets/${ticket.id}/confirm`)
      .set(as(customer.token))
      .send({ rating: 0 })
      .expect(400);
    expect(await ratings(ticket.id)).toEqual([]);
    expect(await status(ticket.id)).toBe('resolved');
    const row = await t.db.query('SELECT used_at FROM ticket_resolution_requests WHERE ticket_id = $1', [
      ticket.id,
    ]);
    expect(row.rows).toEqual([{ used_at: null }]);
  });
});
