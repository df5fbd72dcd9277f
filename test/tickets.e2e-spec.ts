import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('Tickets: submit, route, view', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const companyId = randomUUID();
  let agent: string;
  let admin: string;
  let customerA: { id: string; token: string };
  let customerB: { id: string; token: string };

  const newCustomer = async (name: string) => {
    const res = await request(t.url)
      .post('/v1/customers')
      .set('authorization', `Bearer ${agent}`)
      .send({ name, email: `${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
      .expect(201);
    const id = res.body.id as string;
    return { id, token: await t.token({ companyId, roles: ['customer'], customerId: id }) };
  };
  const submit = (token: string, body: Record<string, unknown>) =>
    request(t.url).post('/v1/tickets').set('authorization', `Bearer ${token}`).send(body);
  const ticket = (id: string) =>
    t.db.query('SELECT * FROM tickets WHERE id = $1', [id]).then((r) => r.rows[0]);

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    admin = await t.token({ companyId, roles: ['admin'] });
    customerA = await newCustomer('Customer A');
    customerB = await newCustomer('Customer B');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('takes a ticket at once and routes it asynchronously by the company table, other to triage', async () => {
    await request(t.url)
      .put('/v1/staff/fin-1')
      .set('authorization', `Bearer ${admin}`)
      .send({ name: 'Finance agent', roles: ['agent'], department: 'finance' })
      .expect(200);
    await request(t.url)
      .put('/v1/tickets/routes/billing')
      .set('authorization', `Bearer ${admin}`)
      .send({ department: 'finance' })
      .expect(200);
    const res = await submit(customerA.token, {
      subject: 'Charged twice',
      description: 'Two debits on the 3rd',
      category: 'billing',
      priority: 'high',
    }).expect(201);
    expect(res.body).toMatchObject({
      ticket_number: expect.stringMatching(/^TKT-\d{8}-\d{5}$/),
      customer_id: customerA.id,
      requester_name: 'Customer A',
      status: 'new',
      channel: 'web',
      priority: 'high',
    });
    const routed = await waitFor(
      async () => ((await ticket(res.body.id)).status === 'open' ? ticket(res.body.id) : undefined),
      { what: 'routing' },
    );
    expect(routed).toMatchObject({ department: 'finance', needs_triage: false });

    const other = await submit(customerA.token, {
      subject: 'Hmm',
      description: 'Something else',
      category: 'other',
    }).expect(201);
    const triaged = await waitFor(
      async () => ((await ticket(other.body.id)).status === 'open' ? ticket(other.body.id) : undefined),
      { what: 'triage' },
    );
    expect(triaged).toMatchObject({ department: null, needs_triage: true });
    const queue = await request(t.url)
      .get('/v1/tickets?triage=true')
      .set('authorization', `Bearer ${agent}`)
      .expect(200);
    expect(queue.body.data.map((x: { id: string }) => x.id)).toContain(other.body.id);

    const detail = await request(t.url)
      .get(`/v1/tickets/${res.body.id}`)
      .set('authorization', `Bearer ${agent}`)
      .expect(200);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual(['submitted', 'routed']);
    expect(await t.metrics()).toMatch(
      new RegExp(
        `tickets_created_total\\{company_id="${companyId}",category="billing",priority="high",channel="web"\\} 1`,
      ),
    );
  });

  it('lives a whole life: confirmation, public reply notified, internal note hidden, resolve, reopen, close', async () => {
    const email = (await t.db.query('SELECT email FROM customers WHERE id = $1', [customerA.id])).rows[0]
      .email as string;
    const asAgent = { authorization: `Bearer ${agent}` };
    const asCustomer = { authorization: `Bearer ${customerA.token}` };
    const photo = await request(t.url)
      .post('/v1/tickets/attachments')
      .set(asCustomer)
      .attach('file', PNG, { filename: 'router.png', contentType: 'image/png' })
      .expect(201);
    const res = await submit(customerA.token, {
      subject: 'No internet',
      description: 'Router blinks red',
      category: 'connectivity',
      attachment_ids: [photo.body.id],
    }).expect(201);
    const id = res.body.id as string;
    expect(res.body.attachments).toEqual([
      expect.objectContaining({ id: photo.body.id, content_type: 'image/png' }),
    ]);
    const file = `/v1/tickets/${id}/attachments/${photo.body.id}`;
    expect((await request(t.url).get(file).set(asCustomer).expect(200)).headers['content-type']).toBe(
      'image/png',
    );
    await request(t.url).get(file).set('authorization', `Bearer ${customerB.token}`).expect(404);
    const number = res.body.ticket_number as string;
    await waitFor(async () => (await ticket(id)).status === 'open', { what: 'routing' });
    const confirmation = await waitFor(
      () => smtp.messages.find((m) => m.subject === `We received your request ${number}: No internet`),
      {
        what: 'confirmation email',
      },
    );
    expect(JSON.stringify(confirmation.to)).toContain(email);

    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asAgent)
      .send({ body: 'Customer sounds upset; check the DSLAM', internal: true })
      .expect(201);
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asAgent)
      .send({ body: 'Please restart the router and tell us the light colour.' })
      .expect(201);
    const reply = await waitFor(
      () => smtp.messages.find((m) => m.subject === `Re: No internet [${number}]`),
      { what: 'reply email' },
    );
    expect(reply.text).toContain('Please restart the router');
    expect(smtp.messages.some((m) => (m.text ?? '').includes('DSLAM'))).toBe(false);

    const seen = await request(t.url).get(`/v1/tickets/${id}/comments`).set(asCustomer).expect(200);
    expect(seen.body.data.map((c: { body: string }) => c.body)).toEqual([
      'Please restart the router and tell us the light colour.',
    ]);
    const staffView = await request(t.url).get(`/v1/tickets/${id}/comments`).set(asAgent).expect(200);
    expect(staffView.body.data).toHaveLength(2);
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asCustomer)
      .send({ body: 'x', internal: true })
      .expect(403);
    const firstResponse = (await ticket(id)).first_response_at;
    expect(firstResponse).not.toBeNull();

    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asAgent)
      .send({ status: 'pending' })
      .expect(200);
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asCustomer)
      .send({ body: 'It is green now.' })
      .expect(201);
    expect((await ticket(id)).status).toBe('open'); // the customer answered
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asAgent)
      .send({ body: 'Great, fixed.' })
      .expect(201);
    expect((await ticket(id)).first_response_at).toEqual(firstResponse); // never overwritten

    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asCustomer)
      .send({ status: 'resolved' })
      .expect(403);
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asAgent)
      .send({ status: 'resolved' })
      .expect(200);
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asCustomer)
      .send({ status: 'open' })
      .expect(200); // reopen
    expect((await ticket(id)).resolved_at).toBeNull();
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asAgent)
      .send({ status: 'resolved' })
      .expect(200);
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asCustomer)
      .send({ status: 'closed' })
      .expect(200);
    const refused = await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set(asAgent)
      .send({ status: 'open' })
      .expect(409);
    expect(refused.body.detail).toBe('A ticket cannot go from closed to open');
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(asCustomer)
      .send({ body: 'one more thing' })
      .expect(409);

    const detail = await request(t.url).get(`/v1/tickets/${id}`).set(asAgent).expect(200);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual([
      'submitted',
      'routed',
      'note_added',
      'comment_added',
      'status_changed',
      'comment_added',
      'comment_added',
      'status_changed',
      'status_changed',
      'status_changed',
      'status_changed',
    ]);
    // Another customer cannot comment on, read or move this ticket.
    const otherCustomer = { authorization: `Bearer ${customerB.token}` };
    await request(t.url).get(`/v1/tickets/${id}/comments`).set(otherCustomer).expect(404);
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set(otherCustomer)
      .send({ body: 'hi' })
      .expect(404);
  });

  it('lets a customer reopen a resolved ticket only within the window', async () => {
    const res = await submit(customerA.token, {
      subject: 'Old',
      description: 'd',
      category: 'account',
    }).expect(201);
    await request(t.url)
      .post(`/v1/tickets/${res.body.id}/status`)
      .set('authorization', `Bearer ${agent}`)
      .send({ status: 'resolved' })
      .expect(200);
    await t.db.query(`UPDATE tickets SET resolved_at = now() - interval '8 days' WHERE id = $1`, [
      res.body.id,
    ]);
    const late = await request(t.url)
      .post(`/v1/tickets/${res.body.id}/status`)
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ status: 'open' })
      .expect(409);
    expect(late.body.type).toMatch(/ticket-reopen-window-passed$/);
  });

  it('assigns to a staff member, who hears of it and of every customer message', async () => {
    const asAdmin = { authorization: `Bearer ${admin}` };
    await request(t.url)
      .put('/v1/staff/agent-7')
      .set(asAdmin)
      .send({ name: 'Agent Seven', roles: ['agent'], department: 'technical' })
      .expect(200);
    const agent7 = {
      authorization: `Bearer ${await t.token({ companyId, roles: ['agent'], userId: 'agent-7' })}`,
    };
    const res = await submit(customerA.token, {
      subject: 'Slow speeds',
      description: 'Evenings only',
      category: 'connectivity',
    }).expect(201);
    const id = res.body.id as string;
    await request(t.url)
      .post(`/v1/tickets/${id}/assign`)
      .set({ authorization: `Bearer ${agent}` })
      .send({ assignee_id: 'nobody' })
      .expect(422);
    await request(t.url)
      .post(`/v1/tickets/${id}/assign`)
      .set({ authorization: `Bearer ${customerA.token}` })
      .send({ assignee_id: 'agent-7' })
      .expect(403);
    const assigned = await request(t.url)
      .post(`/v1/tickets/${id}/assign`)
      .set({ authorization: `Bearer ${agent}` })
      .send({ assignee_id: 'agent-7' })
      .expect(200);
    expect(assigned.body.assignee_id).toBe('agent-7');
    await request(t.url)
      .post(`/v1/tickets/${id}/comments`)
      .set({ authorization: `Bearer ${customerA.token}` })
      .send({ body: 'Still slow tonight' })
      .expect(201);
    const inbox = await waitFor(
      async () => {
        const list = await request(t.url).get('/v1/notifications').set(agent7).expect(200);
        return list.body.data.length >= 2
          ? (list.body.data as Array<{ title: string; body: string }>)
          : undefined;
      },
      { what: "assignee's notifications" },
    );
    expect(inbox.map((n) => n.title).sort()).toEqual([
      `Assigned to you: ${res.body.ticket_number}`,
      `Customer replied on ${res.body.ticket_number}`,
    ]);
    expect(inbox.find((n) => n.title.startsWith('Customer replied'))?.body).toContain('Still slow tonight');
    const listed = await request(t.url)
      .get('/v1/tickets?assignee_id=agent-7')
      .set({ authorization: `Bearer ${agent}` })
      .expect(200);
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(await t.metrics()).toMatch(
      new RegExp(
        `tickets_open\\{company_id="${companyId}",department="technical",priority="normal"\\} [1-9]`,
      ),
    );
  });

  it('requires the structured fields of a category form (seed 004 bug report) and shows them on the ticket', async () => {
    const asAdmin = { authorization: `Bearer ${admin}` };
    await request(t.url)
      .put('/v1/tickets/forms/technical')
      .set(asAdmin)
      .send({ template: 'bug_report' })
      .expect(200);
    await request(t.url)
      .put('/v1/tickets/forms/spaceships')
      .set(asAdmin)
      .send({ template: 'bug_report' })
      .expect(400);
    await request(t.url).put('/v1/tickets/forms/account').set(asAdmin).send({ template: 'nope' }).expect(400);
    await request(t.url)
      .put('/v1/tickets/forms/account')
      .set(asAdmin)
      .send({
        fields: [
          { name: 'account_ref', type: 'string', required: true },
          { name: 'account_ref', type: 'text', required: false },
        ],
      })
      .expect(400);
    const form = await request(t.url)
      .get('/v1/tickets/forms/technical')
      .set({ authorization: `Bearer ${customerA.token}` })
      .expect(200);
    expect(form.body.fields.map((f: { name: string }) => f.name)).toContain('steps_to_reproduce');

    const before = Number((await t.db.query('SELECT count(*) FROM tickets')).rows[0].count);
    const incomplete = await submit(customerA.token, {
      subject: 'Portal broken',
      description: 'It spins',
      category: 'technical',
      fields: { severity: 'apocalyptic', affected_users: 'all', mood: 'sad' },
    }).expect(400);
    expect(incomplete.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'fields.actual',
      'fields.expected',
      'fields.mood',
      'fields.severity',
      'fields.steps_to_reproduce',
    ]);
    await submit(customerA.token, {
      subject: 'x',
      description: 'd',
      category: 'billing',
      fields: { a: 1 },
    }).expect(400);
    expect(Number((await t.db.query('SELECT count(*) FROM tickets')).rows[0].count)).toBe(before);

    const fields = {
      severity: 'high',
      affected_users: 'Nairobi West',
      steps_to_reproduce: '1. log in',
      expected: 'dashboard',
      actual: 'spinner',
    };
    const ok = await submit(customerA.token, {
      subject: 'Portal broken',
      description: 'It spins',
      category: 'technical',
      fields,
    }).expect(201);
    expect(ok.body.fields).toEqual(fields);
  });

  it('numbers concurrent tickets uniquely', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        submit(agent, {
          subject: `S${i}`,
          description: 'd',
          category: 'payments',
          requester_name: 'Walk-in',
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.ticket_number)).size).toBe(30);
  });

  it("never shows a customer another customer's tickets", async () => {
    const mine = await submit(customerB.token, {
      subject: 'Mine',
      description: 'd',
      category: 'account',
    }).expect(201);
    await request(t.url)
      .get(`/v1/tickets/${mine.body.id}`)
      .set('authorization', `Bearer ${customerA.token}`)
      .expect(404);
    const listed = await request(t.url)
      .get('/v1/tickets?limit=200')
      .set('authorization', `Bearer ${customerA.token}`)
      .expect(200);
    expect(listed.body.data.every((x: { customer_id: string }) => x.customer_id === customerA.id)).toBe(true);
    const own = await request(t.url)
      .get(`/v1/tickets/${mine.body.id}`)
      .set('authorization', `Bearer ${customerB.token}`)
      .expect(200);
    expect(own.body.history).toBeUndefined();
    const foreign = await t.token({ companyId: randomUUID(), roles: ['admin'] });
    await request(t.url)
      .get(`/v1/tickets/${mine.body.id}`)
      .set('authorization', `Bearer ${foreign}`)
      .expect(404);
    for (const [method, path, body] of [
      ['get', `/v1/tickets/${mine.body.id}/sla`, undefined],
      ['patch', `/v1/tickets/${mine.body.id}`, { priority: 'high' }],
      ['post', `/v1/tickets/${mine.body.id}/merge`, { into_ticket_id: randomUUID() }],
      ['post', `/v1/tickets/${mine.body.id}/status`, { status: 'resolved' }],
    ] as const) {
      await request(t.url)[method](path).set('authorization', `Bearer ${foreign}`).send(body).expect(404);
    }
    await request(t.url)
      .get(`/v1/tickets/${mine.body.id}/sla`)
      .set('authorization', `Bearer ${customerA.token}`)
      .expect(404);
    await submit(customerA.token, {
      subject: 'x',
      description: 'd',
      category: 'billing',
      customer_id: customerB.id,
    }).expect(404);
  });

  it('refuses bad input with a 4xx problem and writes nothing', async () => {
    const count = async () => Number((await t.db.query('SELECT count(*) FROM tickets')).rows[0].count);
    const before = await count();
    await submit(customerA.token, { subject: 'x', description: 'd', category: 'spaceships' }).expect(400);
    await submit(customerA.token, {
      subject: 'x',
      description: 'd',
      category: 'billing',
      priority: 'asap',
    }).expect(400);
    await submit(customerA.token, { subject: '', description: 'd', category: 'billing' }).expect(400);
    await submit(agent, { subject: 'x', description: 'd', category: 'billing' }).expect(400);
    await submit(agent, {
      subject: 'x',
      description: 'd',
      category: 'billing',
      customer_id: randomUUID(),
    }).expect(404);
    await request(t.url)
      .put('/v1/tickets/routes/other')
      .set('authorization', `Bearer ${admin}`)
      .send({ department: 'x' })
      .expect(400);
    await request(t.url)
      .put('/v1/tickets/routes/billing')
      .set('authorization', `Bearer ${admin}`)
      .send({ department: 'Bad Dept!' })
      .expect(400);
    const unknown = await request(t.url)
      .put('/v1/tickets/routes/billing')
      .set('authorization', `Bearer ${admin}`)
      .send({ department: 'finanse' })
      .expect(422);
    expect(unknown.body).toMatchObject({
      type: expect.stringMatching(/unknown-department$/),
      errors: [{ field: 'department' }],
    });
    await request(t.url).get('/v1/tickets?status=gone').set('authorization', `Bearer ${agent}`).expect(400);
    await request(t.url)
      .get('/v1/tickets?escalation_level=7')
      .set('authorization', `Bearer ${agent}`)
      .expect(400);
    expect(await count()).toBe(before);

    const existing = await submit(customerA.token, {
      subject: 's',
      description: 'd',
      category: 'billing',
    }).expect(201);
    const id = existing.body.id as string;
    const history = async () =>
      Number(
        (await t.db.query('SELECT count(*) FROM ticket_history WHERE ticket_id = $1', [id])).rows[0].count,
      );
    await waitFor(async () => (await ticket(id)).status === 'open', { what: 'routing' });
    const historyBefore = await history();
    await request(t.url)
      .patch(`/v1/tickets/${id}`)
      .set('authorization', `Bearer ${agent}`)
      .send({ department: 'nowhere' })
      .expect(422);
    await request(t.url)
      .patch(`/v1/tickets/${id}`)
      .set('authorization', `Bearer ${agent}`)
      .send({ priority: 'whenever' })
      .expect(400);
    await request(t.url)
      .patch(`/v1/tickets/${id}`)
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ priority: 'urgent' })
      .expect(403);
    await request(t.url)
      .post(`/v1/tickets/${id}/merge`)
      .set('authorization', `Bearer ${agent}`)
      .send({ into_ticket_id: id })
      .expect(422);
    await request(t.url)
      .post(`/v1/tickets/${id}/merge`)
      .set('authorization', `Bearer ${agent}`)
      .send({ into_ticket_id: randomUUID() })
      .expect(404);
    await request(t.url)
      .post(`/v1/tickets/${id}/status`)
      .set('authorization', `Bearer ${agent}`)
      .send({ status: 'closed' })
      .expect(409);
    expect(await history()).toBe(historyBefore);
    expect(await count()).toBe(before + 1);
  });

  it('merges a duplicate: its thread moves, it closes with a pointer, its requester is told', async () => {
    const asAgent = { authorization: `Bearer ${agent}` };
    const original = await submit(customerA.token, {
      subject: 'Card declined',
      description: 'Twice today',
      category: 'payments',
    }).expect(201);
    const duplicate = await submit(customerA.token, {
      subject: 'Payment not going through',
      description: 'Same card again',
      category: 'payments',
    }).expect(201);
    await request(t.url)
      .post(`/v1/tickets/${duplicate.body.id}/comments`)
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ body: 'Card ending 4242' })
      .expect(201);
    const merged = await request(t.url)
      .post(`/v1/tickets/${duplicate.body.id}/merge`)
      .set(asAgent)
      .send({ into_ticket_id: original.body.id })
      .expect(200);
    expect(merged.body).toMatchObject({ status: 'closed', merged_into_id: original.body.id });

    const thread = await request(t.url)
      .get(`/v1/tickets/${original.body.id}/comments`)
      .set(asAgent)
      .expect(200);
    expect(thread.body.data.map((c: { body: string }) => c.body)).toEqual(['Card ending 4242']);
    const target = await request(t.url).get(`/v1/tickets/${original.body.id}`).set(asAgent).expect(200);
    const actions = target.body.history.map((h: { action: string }) => h.action);
    expect(actions.filter((a: string) => a === 'submitted')).toHaveLength(2); // the duplicate's history moved
    expect(actions).toContain('merged_in');
    const notice = await waitFor(
      () =>
        smtp.messages.find(
          (m) =>
            m.subject ===
            `Your request ${duplicate.body.ticket_number} continues as ${original.body.ticket_number}`,
        ),
      { what: 'merge notice' },
    );
    expect(notice.text).toContain(original.body.ticket_number);
    const sla = await request(t.url).get(`/v1/tickets/${duplicate.body.id}/sla`).set(asAgent).expect(200);
    expect(sla.body.targets.every((x: { status: string }) => x.status === 'cancelled')).toBe(true);

    // A closed ticket takes part in no further merge.
    await request(t.url)
      .post(`/v1/tickets/${duplicate.body.id}/merge`)
      .set(asAgent)
      .send({ into_ticket_id: original.body.id })
      .expect(409);
  });
});
