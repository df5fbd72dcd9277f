import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { HttpStub, SmtpSink } from './support/peers';
import { waitFor } from './support/wait';
import type { Role } from '../src/platform/auth/principal';

describe('Notifications', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let sms: HttpStub;
  let hooks: HttpStub;
  const companyId = randomUUID();
  const tokens: Partial<Record<Role, string>> = {};
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

  const newCustomer = async (overrides: Record<string, unknown> = {}) =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as('agent'))
        .send({
          name: 'Wanjiru Kamau',
          email: `w${randomUUID().slice(0, 8)}@example.com`,
          phone: '+254 712 345678',
          currency: 'KES',
          ...overrides,
        })
        .expect(201)
    ).body as { id: string; email: string; customer_number: string };
  const changeStatus = (id: string, status: string) =>
    request(t.url)
      .post(`/v1/customers/${id}/status`)
      .set(as('manager'))
      .send({ status, reason: 'payment review' })
      .expect(200);
  const deliveries = async (query: string) =>
    (await request(t.url).get(`/v1/notifications/deliveries?${query}`).set(as('admin')).expect(200)).body
      .data as Array<{
      id: string;
      channel: string;
      status: string;
      attempts: number;
      last_error: string | null;
    }>;
  const settled = (rows: Array<{ status: string }>) =>
    rows.length > 0 && rows.every((row) => ['sent', 'failed', 'suppressed'].includes(row.status));
  const metric = async (pattern: RegExp) => {
    const line = (await t.metrics()).split('\n').find((l) => pattern.test(l));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    sms = await new HttpStub().start();
    hooks = await new HttpStub().start();
    t = await startTestApp({
      env: { SMTP_URL: smtp.url, SMS_PROVIDER_URL: sms.url('/messages'), SMS_API_KEY: 'test-sms-key' },
    });
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme Telecom')`, [companyId]);
    for (const role of ['admin', 'manager', 'agent', 'viewer'] as Role[]) {
      tokens[role] = await t.token({ companyId, roles: [role], userId: `${role}-1` });
    }
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await sms.stop();
    await hooks.stop();
  });

  it('turns a status change into a real email, a real SMS and an in-app notice the customer reads', async () => {
    const customer = await newCustomer();
    const sentBefore = await metric(
      /^notifications_sent_total\{channel="email",type="customer.status_changed",status="sent"\}/,
    );
    await changeStatus(customer.id, 'blocked');

    const mail = await waitFor(
      () => smtp.messages.find((m) => m.to && JSON.stringify(m.to).includes(customer.email)),
      {
        what: 'email at the SMTP server',
      },
    );
    expect(mail.subject).toBe('Your Acme Telecom account is now blocked');
    expect(mail.text).toContain(
      `The status of your account ${customer.customer_number} changed from active to blocked.`,
    );
    expect(mail.html).toContain('<strong>blocked</strong>');

    const text = await waitFor(() => sms.requests.find((r) => r.body.includes(customer.customer_number)), {
      what: 'SMS at the provider',
    });
    expect(JSON.parse(text.body)).toMatchObject({
      to: '+254712345678',
      message: expect.stringContaining('is now blocked'),
    });
    expect(text.headers.authorization).toBe('Bearer test-sms-key');

    const portal = {
      authorization: `Bearer ${await t.token({ companyId, roles: ['customer'], customerId: customer.id })}`,
    };
    const inbox = await waitFor(
      async () => {
        const res = await request(t.url).get('/v1/notifications?unread=true').set(portal).expect(200);
        return res.body.data.length > 0
          ? (res.body.data as Array<{ id: string; title: string; body: string }>)
          : undefined;
      },
      { what: 'in-app notification' },
    );
    expect(inbox[0]).toMatchObject({
      title: 'Account blocked',
      body: expect.stringContaining('payment review'),
    });
    await request(t.url).post(`/v1/notifications/${inbox[0].id}/read`).set(portal).expect(200);
    expect(
      (await request(t.url).get('/v1/notifications?unread=true').set(portal).expect(200)).body.data,
    ).toHaveLength(0);
    expect(
      (await request(t.url).get('/v1/notifications').set(portal).expect(200)).body.data[0].read_at,
    ).not.toBeNull();
    // Another recipient's notification is not yours to read.
    await request(t.url).post(`/v1/notifications/${inbox[0].id}/read`).set(as('agent')).expect(404);

    const rows = await waitFor(
      async () => {
        const list = await deliveries(`recipient_kind=customer&recipient_id=${customer.id}`);
        return settled(list) ? list : undefined;
      },
      { what: 'deliveries settled' },
    );
    expect(rows.map((r) => [r.channel, r.status]).sort()).toEqual([
      ['email', 'sent'],
      ['in_app', 'sent'],
      ['sms', 'sent'],
    ]);
    expect(
      await metric(
        /^notifications_sent_total\{channel="email",type="customer.status_changed",status="sent"\}/,
      ),
    ).toBe(sentBefore + 1);
    expect(await t.metrics()).toMatch(/notification_delivery_duration_seconds_count\{channel="sms"\} [1-9]/);
    expect(await t.metrics()).toMatch(/notification_queue_depth \d/);
  });

  it('respects an opt-out, but still sends critical notices', async () => {
    const customer = await newCustomer();
    await request(t.url)
      .put('/v1/notifications/preferences')
      .set(as('agent'))
      .send({ recipient_kind: 'customer', recipient_id: customer.id, channel: 'email', opted_out: true })
      .expect(200);
    await changeStatus(customer.id, 'inactive'); // normal severity
    const normal = await waitFor(
      async () => {
        const list = await deliveries(`recipient_id=${customer.id}&type=customer.status_changed`);
        return list.length === 3 && settled(list) ? list : undefined;
      },
      { what: 'normal notice settled' },
    );
    expect(normal.find((d) => d.channel === 'email')).toMatchObject({
      status: 'suppressed',
      last_error: 'recipient opted out of this channel',
    });
    expect(smtp.messages.some((m) => JSON.stringify(m.to).includes(customer.email))).toBe(false);

    await changeStatus(customer.id, 'blocked'); // critical
    await waitFor(() => smtp.messages.find((m) => JSON.stringify(m.to).includes(customer.email)), {
      what: 'critical email despite opt-out',
    });
  });

  it('records an invalid phone as a failed delivery, and a provider refusal as failed until an admin retries', async () => {
    const customer = await newCustomer({ phone: '0712 345 678' });
    await changeStatus(customer.id, 'blocked');
    const list = await waitFor(
      async () => {
        const rows = await deliveries(`recipient_id=${customer.id}`);
        return rows.length === 3 && settled(rows) ? rows : undefined;
      },
      { what: 'deliveries' },
    );
    expect(list.find((d) => d.channel === 'sms')).toMatchObject({
      status: 'failed',
      last_error: 'invalid phone number',
    });

    const other = await newCustomer();
    sms.status = 422;
    await changeStatus(other.id, 'blocked');
    const refused = await waitFor(
      async () => {
        const rows = await deliveries(`recipient_id=${other.id}&channel=sms`);
        return rows[0]?.status === 'failed' ? rows[0] : undefined;
      },
      { what: 'refused SMS' },
    );
    expect(refused.last_error).toMatch(/refused/);
    sms.status = 200;
    await request(t.url)
      .post(`/v1/notifications/deliveries/${refused.id}/retry`)
      .set(as('manager'))
      .expect(403);
    await request(t.url)
      .post(`/v1/notifications/deliveries/${refused.id}/retry`)
      .set(as('admin'))
      .expect(202);
    await waitFor(
      async () => (await deliveries(`recipient_id=${other.id}&channel=sms`))[0]?.status === 'sent',
      { what: 'retried SMS sent' },
    );
    await request(t.url)
      .post(`/v1/notifications/deliveries/${refused.id}/retry`)
      .set(as('admin'))
      .expect(409);
    const detail = await request(t.url)
      .get(`/v1/notifications/deliveries/${refused.id}`)
      .set(as('admin'))
      .expect(200);
    expect(detail.body.attempts_log.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'sent']);
  });

  it('retries while the SMTP server is down and delivers exactly once when it is back', async () => {
    const port = smtp.port;
    await smtp.stop();
    const email = `ops-${randomUUID().slice(0, 8)}@acme.test`;
    const res = await request(t.url)
      .post('/v1/notifications')
      .set(as('manager'))
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
    const deliveryId = res.body.deliveries[0].id as string;
    await waitFor(
      async () => {
        const row = (
          await t.db.query('SELECT status, attempts, last_error FROM notification_deliveries WHERE id = $1', [
            deliveryId,
          ])
        ).rows[0];
        return row.attempts >= 1 && row.status === 'queued' && row.last_error ? row : undefined;
      },
      { what: 'a failed attempt while SMTP is down' },
    );
    await smtp.start(port);
    await waitFor(
      async () =>
        (await t.db.query('SELECT status FROM notification_deliveries WHERE id = $1', [deliveryId])).rows[0]
          .status === 'sent',
      {
        what: 'delivered after SMTP returned',
        timeoutMs: 30_000,
      },
    );
    // Replaying the delivery's job adds nothing: the delivery is claimed once.
    await t.db.query(`UPDATE outbox_events SET dispatched_at = NULL WHERE metadata->>'delivery_id' = $1`, [
      deliveryId,
    ]);
    await waitFor(
      async () =>
        (
          await t.db.query(
            `SELECT 1 FROM outbox_events WHERE metadata->>'delivery_id' = $1 AND dispatched_at IS NULL`,
            [deliveryId],
          )
        ).rowCount === 0,
      { what: 'replayed' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes(email))).toHaveLength(1);
  });

  it('signs webhooks so the receiver can verify them, logs every attempt, and replays on request', async () => {
    const registered = await request(t.url)
      .post('/v1/webhooks')
      .set(as('admin'))
      .send({ url: hooks.url('/custops'), event_types: ['CustomerCreated'] })
      .expect(201);
    const secret = registered.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const listed = await request(t.url).get('/v1/webhooks').set(as('admin')).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const customer = await newCustomer();
    const hook = await waitFor(() => hooks.requests.find((r) => r.body.includes(customer.id)), {
      what: 'webhook received',
    });
    const timestamp = Number(hook.headers['x-custops-timestamp']);
    const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${hook.body}`).digest('hex')}`;
    expect(hook.headers['x-custops-signature']).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(300);
    expect(hook.headers['x-custops-event']).toBe('CustomerCreated');
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'CustomerCreated',
      company_id: companyId,
      customer_id: customer.id,
    });

    const log = await request(t.url)
      .get(`/v1/webhooks/${registered.body.id}/deliveries`)
      .set(as('admin'))
      .expect(200);
    const delivery = log.body.data.find((d: { id: string }) => d.id === hook.headers['x-custops-delivery']);
    expect(delivery).toMatchObject({
      status: 'sent',
      attempts_log: [expect.objectContaining({ outcome: 'sent' })],
    });
    await request(t.url)
      .post(`/v1/webhooks/${registered.body.id}/deliveries/${delivery.id}/replay`)
      .set(as('admin'))
      .expect(202);
    await waitFor(
      () => hooks.requests.filter((r) => r.headers['x-custops-delivery'] === delivery.id).length === 2,
      { what: 'replayed webhook' },
    );
    await request(t.url).delete(`/v1/webhooks/${registered.body.id}`).set(as('admin')).expect(204);
  });

  it('addresses staff by role within a department, with addresses from the staff directory', async () => {
    const staff = [
      ['mgr-billing-1', 'manager', 'billing'],
      ['mgr-billing-2', 'manager', 'billing'],
      ['mgr-support', 'manager', 'support'],
      ['agent-billing', 'agent', 'billing'],
    ];
    for (const [id, role, department] of staff) {
      await request(t.url)
        .put(`/v1/staff/${id}`)
        .set(as('admin'))
        .send({ name: id, email: `${id}@acme.test`, roles: [role], department })
        .expect(200);
    }
    await request(t.url)
      .put('/v1/staff/x')
      .set(as('manager'))
      .send({ name: 'x', roles: ['agent'] })
      .expect(403);
    await request(t.url)
      .put('/v1/staff/x')
      .set(as('admin'))
      .send({ name: 'x', roles: ['overlord'] })
      .expect(400);
    const listed = await request(t.url)
      .get('/v1/staff?department=billing&role=manager')
      .set(as('viewer'))
      .expect(200);
    expect(listed.body.data.map((m: { user_id: string }) => m.user_id)).toEqual([
      'mgr-billing-1',
      'mgr-billing-2',
    ]);

    const res = await request(t.url)
      .post('/v1/notifications')
      .set(as('admin'))
      .send({
        type: 'maintenance.scheduled',
        severity: 'critical',
        data: {
          severity: 'critical',
          service: 'payments',
          starts_at: '02:00',
          ends_at: '03:00',
          message: 'Billing managers only.',
        },
        recipients: [{ kind: 'role', role: 'manager', department: 'billing', channels: ['email'] }],
      })
      .expect(202);
    expect(res.body.deliveries).toHaveLength(2);
    for (const id of ['mgr-billing-1', 'mgr-billing-2']) {
      await waitFor(() => smtp.messages.find((m) => JSON.stringify(m.to).includes(`${id}@acme.test`)), {
        what: `email to ${id}`,
      });
    }
    expect(smtp.messages.some((m) => JSON.stringify(m.to).includes('mgr-support@acme.test'))).toBe(false);
    expect(smtp.messages.some((m) => JSON.stringify(m.to).includes('agent-billing@acme.test'))).toBe(false);
  });

  it('refuses bad input with a clear 4xx problem', async () => {
    const send = (body: Record<string, unknown>) =>
      request(t.url).post('/v1/notifications').set(as('manager')).send(body);
    const recipients = [{ kind: 'user', id: 'u1', email: 'u1@acme.test' }];
    const missingVariable = await send({
      type: 'maintenance.scheduled',
      data: { service: 'billing' },
      recipients,
    }).expect(422);
    expect(missingVariable.body.type).toMatch(/notification-template-data$/);
    expect(missingVariable.body.detail).toMatch(/starts_at|severity/);
    await send({ type: 'no.such.type', data: {}, recipients }).expect(422);
    await send({ type: 'maintenance.scheduled', data: {}, recipients: [] }).expect(400);
    await send({ type: 'maintenance.scheduled', data: {}, recipients: [{ kind: 'robot', id: 'x' }] }).expect(
      400,
    );
    await request(t.url)
      .post('/v1/webhooks')
      .set(as('admin'))
      .send({ url: 'ftp://example.com/x', event_types: ['CustomerCreated'] })
      .expect(400);
    await request(t.url)
      .post('/v1/webhooks')
      .set(as('admin'))
      .send({ url: 'https://example.com/x', event_types: ['PaymentsStolen'] })
      .expect(400);
    await request(t.url)
      .post('/v1/webhooks')
      .set(as('manager'))
      .send({ url: 'https://example.com/x', event_types: ['CustomerCreated'] })
      .expect(403);
    expect(
      Number(
        (await t.db.query('SELECT count(*) FROM webhook_endpoints WHERE url LIKE $1', ['%example.com%']))
          .rows[0].count,
      ),
    ).toBe(0);
  });

  it('refuses webhooks to loopback or private networks in production mode', async () => {
    const production = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
    try {
      const admin = await production.token({ roles: ['admin'] });
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://10.0.0.5/x',
        'http://localhost/x',
        'http://[::1]/x',
      ]) {
        const res = await request(production.url)
          .post('/v1/webhooks')
          .set({ authorization: `Bearer ${admin}` })
          .send({ url, event_types: ['CustomerCreated'] });
        expect([url, res.status]).toEqual([url, 400]);
      }
    } finally {
      await production.close();
    }
  });
});
