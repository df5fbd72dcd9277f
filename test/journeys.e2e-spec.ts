import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DEFAULT_RESPONSE_TEMPLATES } from '../src/modules/journeys/journey-guidance';
import type { JourneyEventInput } from '../src/modules/journeys/journey.types';
import { JourneysService } from '../src/modules/journeys/journeys.service';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';

type Step = Omit<JourneyEventInput, 'companyId' | 'customerId' | 'flow' | 'traceId' | 'occurredAt'> & {
  at: string;
};

describe('Customer journeys (seed 000): timeline, stuck, errors, performance', () => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  const companyA = randomUUID();
  const companyB = randomUUID();
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  // Company A: c1 finished one setup and failed validation in another; c2's external validation fails
  // (twice: the request stays queued); c3 has a payment waiting for its callback, a failed payment and a
  // setup that just started. Company B: a customer with a stuck setup and slow, failing events.
  let c1: string;
  let c2: string;
  let c3: string;
  let cb: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const journeys = () => t.app.get(JourneysService);
  const run = async (
    companyId: string,
    customerId: string,
    flow: JourneyEventInput['flow'],
    traceId: string,
    steps: Step[],
  ) => {
    for (const { at, ...step } of steps) {
      await journeys().record({ companyId, customerId, flow, traceId, occurredAt: new Date(at), ...step });
    }
  };
  const newCustomer = async (token: string, name: string): Promise<string> =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(token))
        .send({ name, email: `j${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
        .expect(201)
    ).body.id as string;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    adminA = await t.token({ companyId: companyA, roles: ['admin'] });
    agentA = await t.token({ companyId: companyA, roles: ['agent'] });
    viewerA = await t.token({ companyId: companyA, roles: ['viewer'] });
    adminB = await t.token({ companyId: companyB, roles: ['admin'] });
    c1 = await newCustomer(adminA, 'Achieng Otieno');
    c2 = await newCustomer(adminA, 'Brian Mwangi');
    c3 = await newCustomer(adminA, 'Chebet Kiprop');
    cb = await newCustomer(adminB, 'Other Tenant');

    await run(companyA, c1, 'bank_account_setup', 'bas-1', [
      {
        at: '2026-03-02T09:10:00.000Z',
        eventType: 'message_received',
        status: 'processing',
        fields: { source: 'queue', queue_name: 'bank-account-setup', message_size: 312, job_id: 'j-1' },
      },
      {
        at: '2026-03-02T09:10:00.010Z',
        eventType: 'validation_started',
        status: 'processing',
        fields: { validation_type: 'aba' },
      },
      {
        at: '2026-03-02T09:10:00.080Z',
        eventType: 'validation_completed',
        status: 'success',
        durationMs: 70,
        operation: 'validation',
        fields: { validation_checks_passed: 3 },
      },
      {
        at: '2026-03-02T09:10:00.090Z',
        eventType: 'bank_setup_started',
        status: 'processing',
        fields: { routing_number: '*****0021', account_number: '******6789' },
      },
      {
        at: '2026-03-02T09:10:00.240Z',
        eventType: 'external_validation_completed',
        status: 'success',
        durationMs: 150,
        operation: 'external_validation',
        fields: { service: 'bank-validation', duration_ms: 150, validation_score: 0.97 },
      },
      {
        at: '2026-03-02T09:10:00.300Z',
        eventType: 'account_created',
        status: 'success',
        durationMs: 60,
        operation: 'account_creation',
        fields: { account_id: 'acc-1', account_type: 'checking', status: 'active' },
      },
      {
        at: '2026-03-02T09:10:00.310Z',
        eventType: 'bank_account_setup_completed',
        status: 'success',
        durationMs: 310,
        operation: 'total',
        fields: { account_id: 'acc-1', processing_duration_ms: 310, validation_checks_passed: 3 },
      },
    ]);
    await run(companyA, c1, 'bank_account_setup', 'bas-2', [
      { at: '2026-03-02T09:40:00.000Z', eventType: 'message_received', status: 'processing' },
      { at: '2026-03-02T09:40:00.010Z', eventType: 'validation_started', status: 'processing' },
      {
        at: '2026-03-02T09:40:00.050Z',
        eventType: 'validation_failed',
        status: 'error',
        errorType: 'validation_error',
        durationMs: 40,
        operation: 'validation',
        fields: { validation_checks_passed: 1, missing_fields: ['routing_number'] },
      },
    ]);
    await run(companyA, c2, 'bank_account_setup', 'bas-3', [
      { at: '2026-03-02T09:44:00.000Z', eventType: 'message_received', status: 'processing' },
      { at: '2026-03-02T09:44:00.010Z', eventType: 'validation_started', status: 'processing' },
      {
        at: '2026-03-02T09:44:00.090Z',
        eventType: 'validation_completed',
        status: 'success',
        durationMs: 80,
        operation: 'validation',
      },
      { at: '2026-03-02T09:44:00.100Z', eventType: 'bank_setup_started', status: 'processing' },
      {
        at: '2026-03-02T09:45:00.000Z',
        eventType: 'external_validation_completed',
        status: 'error',
        errorType: 'external_service_error',
        durationMs: 1200,
        operation: 'external_validation',
        fields: { service: 'bank-validation', http_status: 500 },
      },
      {
        at: '2026-03-02T09:50:00.000Z',
        eventType: 'external_validation_completed',
        status: 'error',
        errorType: 'external_service_error',
        durationMs: 900,
        operation: 'external_validation',
        fields: { service: 'bank-validation', http_status: 503 },
      },
    ]);
    await run(companyA, c3, 'payment', 'pay-1', [
      { at: '2026-03-02T09:29:59.000Z', eventType: 'payment_requested', status: 'processing' },
      { at: '2026-03-02T09:30:00.000Z', eventType: 'payment_initiated', status: 'processing' },
    ]);
    await run(companyA, c3, 'payment', 'pay-2', [
      { at: '2026-03-02T09:54:00.000Z', eventType: 'payment_initiated', status: 'processing' },
      {
        at: '2026-03-02T09:55:00.000Z',
        eventType: 'payment_failed',
        status: 'error',
        errorType: 'system_error',
        fields: { error_code: 'SYSTEM_BUSY' },
      },
    ]);
    await run(companyA, c3, 'bank_account_setup', 'bas-4', [
      { at: '2026-03-02T09:59:59.900Z', eventType: 'message_received', status: 'processing' },
    ]);
    await run(companyB, cb, 'bank_account_setup', 'b-1', [
      { at: '2026-03-02T09:00:00.000Z', eventType: 'message_received', status: 'processing' },
      {
        at: '2026-03-02T09:41:00.000Z',
        eventType: 'validation_started',
        status: 'error',
        errorType: 'timeout_error',
        durationMs: 5000,
        operation: 'validation',
      },
    ]);
  });
  afterAll(() => t?.close());

  it("answers a customer's timeline oldest first, with trace ids and each error's response text", async () => {
    const res = await request(t.url).get(`/v1/customers/${c1}/journey`).set(as(viewerA)).expect(200);
    expect(res.body.customer_id).toBe(c1);
    expect(res.body.next_cursor).toBeNull();
    expect(
      (res.body.data as Array<Record<string, unknown>>).map((e) => [e.trace_id, e.event_type, e.status]),
    ).toEqual([
      ['bas-1', 'message_received', 'processing'],
      ['bas-1', 'validation_started', 'processing'],
      ['bas-1', 'validation_completed', 'success'],
      ['bas-1', 'bank_setup_started', 'processing'],
      ['bas-1', 'external_validation_completed', 'success'],
      ['bas-1', 'account_created', 'success'],
      ['bas-1', 'bank_account_setup_completed', 'success'],
      ['bas-2', 'message_received', 'processing'],
      ['bas-2', 'validation_started', 'processing'],
      ['bas-2', 'validation_failed', 'error'],
    ]);
    expect(res.body.data[0]).toEqual({
      id: expect.any(String),
      flow: 'bank_account_setup',
      trace_id: 'bas-1',
      event_type: 'message_received',
      status: 'processing',
      error_type: null,
      duration_ms: null,
      operation: null,
      fields: { source: 'queue', queue_name: 'bank-account-setup', message_size: 312, job_id: 'j-1' },
      occurred_at: '2026-03-02T09:10:00.000Z',
      response_text: null,
    });
    expect(res.body.data[9]).toMatchObject({
      error_type: 'validation_error',
      duration_ms: 40,
      fields: { missing_fields: ['routing_number'] },
      response_text: DEFAULT_RESPONSE_TEMPLATES.validation_error,
    });

    const c3Timeline = await request(t.url)
      .get(`/v1/customers/${c3}/journey?flow=payment`)
      .set(as(viewerA))
      .expect(200);
    expect((c3Timeline.body.data as Array<{ trace_id: string }>).map((e) => e.trace_id)).toEqual([
      'pay-1',
      'pay-1',
      'pay-2',
      'pay-2',
    ]);
    expect(c3Timeline.body.data[3]).toMatchObject({
      event_type: 'payment_failed',
      error_type: 'system_error',
      response_text: DEFAULT_RESPONSE_TEMPLATES.system_error,
    });
  });

  it('pages a long timeline with a keyset cursor', async () => {
    const first = await request(t.url).get(`/v1/customers/${c1}/journey?limit=4`).set(as(agentA)).expect(200);
    expect(first.body.data).toHaveLength(4);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await request(t.url)
      .get(`/v1/customers/${c1}/journey?limit=4&cursor=${first.body.next_cursor as string}`)
      .set(as(agentA))
      .expect(200);
    const third = await request(t.url)
      .get(`/v1/customers/${c1}/journey?limit=4&cursor=${second.body.next_cursor as string}`)
      .set(as(agentA))
      .expect(200);
    expect(third.body.next_cursor).toBeNull();
    const events = [...first.body.data, ...second.body.data, ...third.body.data] as Array<{
      event_type: string;
    }>;
    expect(events.map((e) => e.event_type)).toEqual([
      'message_received',
      'validation_started',
      'validation_completed',
      'bank_setup_started',
      'external_validation_completed',
      'account_created',
      'bank_account_setup_completed',
      'message_received',
      'validation_started',
      'validation_failed',
    ]);
  });

  it('lists the runs stuck past their stage, with the stage and what to check there', async () => {
    const res = await request(t.url).get('/v1/journeys/stuck').set(as(viewerA)).expect(200);
    expect(res.body).toEqual({
      older_than_ms: null,
      data: [
        {
          customer_id: c3,
          flow: 'payment',
          trace_id: 'pay-1',
          stage: 'payment_initiated',
          stage_name: 'Waiting for the customer and the gateway',
          status: 'processing',
          error_type: null,
          started_at: '2026-03-02T09:29:59.000Z',
          since: '2026-03-02T09:30:00.000Z',
          stuck_for_ms: 30 * 60_000,
          normal_max_ms: 300_000,
          check: expect.stringMatching(/callback.*reconciliation/s),
        },
        {
          customer_id: c2,
          flow: 'bank_account_setup',
          trace_id: 'bas-3',
          stage: 'external_validation_completed',
          stage_name: 'External validation',
          status: 'error',
          error_type: 'external_service_error',
          started_at: '2026-03-02T09:44:00.000Z',
          since: '2026-03-02T09:50:00.000Z',
          stuck_for_ms: 10 * 60_000,
          normal_max_ms: 100,
          check: expect.stringMatching(/external bank validation service status/),
        },
      ],
    });

    // bas-4 has been at message_received for 100 ms: within seed 000's 500 ms, not stuck yet …
    clock.advance(1 / 60); // … one second later it is, and the check is seed 000's "is the worker processing".
    const later = await request(t.url)
      .get('/v1/journeys/stuck?flow=bank_account_setup')
      .set(as(viewerA))
      .expect(200);
    expect((later.body.data as Array<Record<string, unknown>>).map((r) => [r.trace_id, r.stage])).toEqual([
      ['bas-3', 'external_validation_completed'],
      ['bas-4', 'message_received'],
    ]);
    expect(later.body.data[1].check).toMatch(/worker is processing/);
    clock.set('2026-03-02T10:00:00Z');

    const older = await request(t.url).get('/v1/journeys/stuck?older_than=20m').set(as(viewerA)).expect(200);
    expect(older.body.older_than_ms).toBe(1_200_000);
    expect((older.body.data as Array<{ trace_id: string }>).map((r) => r.trace_id)).toEqual(['pay-1']);

    const all = await request(t.url).get('/v1/journeys/stuck?older_than=0.05').set(as(viewerA)).expect(200);
    expect((all.body.data as Array<{ trace_id: string }>).map((r) => r.trace_id)).toEqual([
      'pay-1',
      'bas-3',
      'bas-4',
    ]);

    await request(t.url).get('/v1/journeys/stuck?older_than=soon').set(as(viewerA)).expect(400);
    await request(t.url).get('/v1/journeys/stuck?flow=sms').set(as(viewerA)).expect(400);
  });

  it('counts errors by customer and class since a time, most first', async () => {
    const res = await request(t.url).get('/v1/journeys/errors?since=1h').set(as(viewerA)).expect(200);
    expect(res.body).toEqual({
      since: '2026-03-02T09:00:00.000Z',
      data: [
        {
          customer_id: c2,
          error_type: 'external_service_error',
          count: 2,
          last_at: '2026-03-02T09:50:00.000Z',
        },
        { customer_id: c3, error_type: 'system_error', count: 1, last_at: '2026-03-02T09:55:00.000Z' },
        { customer_id: c1, error_type: 'validation_error', count: 1, last_at: '2026-03-02T09:40:00.050Z' },
      ],
    });
    const recent = await request(t.url)
      .get('/v1/journeys/errors?since=2026-03-02T12:45:00%2B03:00')
      .set(as(viewerA))
      .expect(200);
    expect((recent.body.data as Array<{ customer_id: string }>).map((r) => r.customer_id)).toEqual([c2, c3]);
    await request(t.url).get('/v1/journeys/errors?since=yesterday').set(as(viewerA)).expect(400);
  });

  it('reports avg/max/count of durations by operation and time bin', async () => {
    const res = await request(t.url)
      .get('/v1/journeys/performance?since=1h&bin=5m')
      .set(as(viewerA))
      .expect(200);
    expect(res.body).toEqual({
      since: '2026-03-02T09:00:00.000Z',
      bin_seconds: 300,
      data: [
        row('09:50', 'external_validation', 900, 900, 1),
        row('09:45', 'external_validation', 1200, 1200, 1),
        row('09:40', 'validation', 60, 80, 2),
        row('09:10', 'account_creation', 60, 60, 1),
        row('09:10', 'external_validation', 150, 150, 1),
        row('09:10', 'total', 310, 310, 1),
        row('09:10', 'validation', 70, 70, 1),
      ],
    });
    const hourly = await request(t.url)
      .get('/v1/journeys/performance?since=2h&bin=1h')
      .set(as(viewerA))
      .expect(200);
    expect(hourly.body.data).toEqual([
      row('09:00', 'account_creation', 60, 60, 1),
      row('09:00', 'external_validation', 750, 1200, 3),
      row('09:00', 'total', 310, 310, 1),
      row('09:00', 'validation', 63.33, 80, 3),
    ]);
    await request(t.url).get('/v1/journeys/performance?bin=1s&since=2d').set(as(viewerA)).expect(400);
  });

  it('lets admins override a response template per company; others read it', async () => {
    await request(t.url)
      .put('/v1/journeys/response-templates/validation_error')
      .set(as(agentA))
      .send({ text: 'nope' })
      .expect(403);
    await request(t.url)
      .put('/v1/journeys/response-templates/validation_error')
      .set(as(viewerA))
      .send({ text: 'nope' })
      .expect(403);
    const unknown = await request(t.url)
      .put('/v1/journeys/response-templates/cosmic_ray_error')
      .set(as(adminA))
      .send({ text: 'Sorry.' })
      .expect(422);
    expect(unknown.body.type).toMatch(/unknown-error-type/);
    const ownText = 'Please check the routing and account numbers on your cheque and send them again.';
    const put = await request(t.url)
      .put('/v1/journeys/response-templates/validation_error')
      .set(as(adminA))
      .send({ text: ownText })
      .expect(200);
    expect(put.body).toMatchObject({ error_type: 'validation_error', text: ownText, source: 'company' });

    const list = await request(t.url).get('/v1/journeys/response-templates').set(as(viewerA)).expect(200);
    expect(
      (list.body.data as Array<Record<string, unknown>>).map((r) => [r.error_type, r.source, r.text]),
    ).toEqual([
      ['validation_error', 'company', ownText],
      ['external_service_error', 'default', DEFAULT_RESPONSE_TEMPLATES.external_service_error],
      ['timeout_error', 'default', DEFAULT_RESPONSE_TEMPLATES.timeout_error],
      ['system_error', 'default', DEFAULT_RESPONSE_TEMPLATES.system_error],
    ]);
    const timeline = await request(t.url).get(`/v1/customers/${c1}/journey`).set(as(viewerA)).expect(200);
    expect(timeline.body.data[9].response_text).toBe(ownText);

    // Company B keeps seed 000's text.
    const other = await request(t.url).get('/v1/journeys/response-templates').set(as(adminB)).expect(200);
    expect(other.body.data[0]).toMatchObject({
      source: 'default',
      text: DEFAULT_RESPONSE_TEMPLATES.validation_error,
    });

    await request(t.url)
      .delete('/v1/journeys/response-templates/validation_error')
      .set(as(adminA))
      .expect(204);
    const reset = await request(t.url).get(`/v1/customers/${c1}/journey`).set(as(viewerA)).expect(200);
    expect(reset.body.data[9].response_text).toBe(DEFAULT_RESPONSE_TEMPLATES.validation_error);
  });

  it("never shows another tenant's journey: their customer ids are 404 and their events never appear", async () => {
    await request(t.url).get(`/v1/customers/${c1}/journey`).set(as(adminB)).expect(404);
    await request(t.url).get(`/v1/customers/${cb}/journey`).set(as(adminA)).expect(404);
    await request(t.url).get(`/v1/customers/${randomUUID()}/journey`).set(as(adminA)).expect(404);
    await request(t.url).get('/v1/customers/not-a-uuid/journey').set(as(adminA)).expect(404);
    const customerToken = await t.token({ companyId: companyA, roles: ['customer'], customerId: c1 });
    await request(t.url).get(`/v1/customers/${c1}/journey`).set(as(customerToken)).expect(403);

    const stuck = await request(t.url).get('/v1/journeys/stuck?older_than=1s').set(as(adminA)).expect(200);
    const errors = await request(t.url).get('/v1/journeys/errors?since=2h').set(as(adminA)).expect(200);
    const perf = await request(t.url)
      .get('/v1/journeys/performance?since=2h&bin=1h')
      .set(as(adminA))
      .expect(200);
    expect(JSON.stringify([stuck.body, errors.body])).not.toContain(cb);
    expect(
      (perf.body.data as Array<{ max_duration_ms: number }>).every((r) => r.max_duration_ms < 5000),
    ).toBe(true);

    // And company B sees its own only.
    const theirs = await request(t.url).get('/v1/journeys/stuck').set(as(adminB)).expect(200);
    expect((theirs.body.data as Array<{ customer_id: string }>).map((r) => r.customer_id)).toEqual([cb]);
    expect(theirs.body.data[0]).toMatchObject({ stage: 'validation_started', error_type: 'timeout_error' });
  });

  it('records a submitted ticket as a ticket_submission journey event', async () => {
    const ticket = await request(t.url)
      .post('/v1/tickets')
      .set(as(agentA))
      .send({
        subject: 'Bank account setup failed',
        description: 'It says my routing number is wrong.',
        category: 'billing',
        priority: 'high',
        customer_id: c1,
      })
      .expect(201);
    const res = await request(t.url)
      .get(`/v1/customers/${c1}/journey?flow=ticket_submission`)
      .set(as(viewerA))
      .expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({
        flow: 'ticket_submission',
        trace_id: ticket.body.id,
        event_type: 'ticket_submitted',
        status: 'success',
        fields: { ticket_number: ticket.body.ticket_number, priority: 'high', category: 'billing' },
        occurred_at: '2026-03-02T10:00:00.000Z',
      }),
    ]);
    // A submitted ticket is a finished run: never stuck.
    const stuck = await request(t.url)
      .get('/v1/journeys/stuck?older_than=0.001')
      .set(as(viewerA))
      .expect(200);
    expect(JSON.stringify(stuck.body)).not.toContain('ticket_submission');
  });

  it('writes CUSTOMER_EVENT, CUSTOMER_ERROR and CUSTOMER_METRIC lines and counts the events', async () => {
    const lines = (kind: string, traceId: string) =>
      t.logs.filter((line) => line.kind === kind && line.trace_id === traceId);
    expect(lines('CUSTOMER_EVENT', 'bas-1')).toHaveLength(7);
    expect(lines('CUSTOMER_EVENT', 'bas-1')[0]).toMatchObject({
      message: 'CUSTOMER_EVENT',
      level: 'info',
      company_id: companyA,
      customer_id: c1,
      flow: 'bank_account_setup',
      event_type: 'message_received',
      status: 'processing',
    });
    expect(lines('CUSTOMER_ERROR', 'bas-3')).toEqual([
      expect.objectContaining({ level: 'error', customer_id: c2, error_type: 'external_service_error' }),
      expect.objectContaining({ level: 'error', customer_id: c2, error_type: 'external_service_error' }),
    ]);
    expect(lines('CUSTOMER_ERROR', 'bas-2')).toEqual([
      expect.objectContaining({
        level: 'warn',
        error_type: 'validation_error',
        event_type: 'validation_failed',
      }),
    ]);
    expect(lines('CUSTOMER_METRIC', 'bas-1').map((l) => [l.operation, l.duration_ms])).toEqual([
      ['validation', 70],
      ['external_validation', 150],
      ['account_creation', 60],
      ['total', 310],
    ]);
    const metrics = await t.metrics();
    expect(metrics).toMatch(
      /customer_journey_events_total\{flow="bank_account_setup",event_type="message_received",status="processing"\} 5\b/,
    );
    expect(metrics).toMatch(
      /customer_journey_errors_total\{flow="bank_account_setup",error_type="external_service_error"\} 2\b/,
    );
  });

  it("logs and counts an event only once the caller's transaction commits, and never for a rollback", async () => {
    const dataSource = t.app.get(DataSource);
    const event = (traceId: string): JourneyEventInput => ({
      companyId: companyA,
      customerId: c2,
      flow: 'payment',
      traceId,
      eventType: 'payment_requested',
      status: 'processing',
    });
    const logged = (traceId: string) =>
      t.logs.filter((l) => l.kind === 'CUSTOMER_EVENT' && l.trace_id === traceId);

    await dataSource.transaction(async (manager) => {
      await journeys().record(event('tx-commit'), manager);
      expect(logged('tx-commit')).toHaveLength(0);
    });
    expect(logged('tx-commit')).toHaveLength(1);

    await expect(
      dataSource.transaction(async (manager) => {
        await journeys().record(event('tx-rollback'), manager);
        throw new Error('the caller failed');
      }),
    ).rejects.toThrow('the caller failed');
    expect(logged('tx-rollback')).toHaveLength(0);
    const rows = await t.db.query(
      `SELECT (SELECT count(*)::int FROM journey_events WHERE trace_id = $1) AS events,
              (SELECT count(*)::int FROM journey_states WHERE trace_id = $1) AS states`,
      ['tx-rollback'],
    );
    expect(rows.rows[0]).toEqual({ events: 0, states: 0 });
  });
});

function row(hhmm: string, operation: string, avg: number, max: number, count: number) {
  return {
    bin_start: `2026-03-02T${hhmm}:00.000Z`,
    operation,
    avg_duration_ms: avg,
    max_duration_ms: max,
    count,
  };
}
