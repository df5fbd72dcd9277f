import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { BankAccountsSettings } from '../src/modules/bank-accounts/bank-accounts.settings';
import type { GatewaySimulator } from '../src/gateway-sim/simulator';
import { startTestApp, TestApp } from './support/app';
import { startTestGatewaySim } from './support/gateway-sim';
import { testEnv } from './support/env';
import { waitFor } from './support/wait';

/**
 * Bank-account setup (issue 9, seed 000) against the gateway simulator's `/bank/validate`: every stage
 * recorded in order with its key fields, validation failures, the service down → waiting → completed by
 * itself, and no full account number anywhere (logs, every table, BullMQ job data, the simulator).
 */
const GOOD_ROUTING = '021000021';
const BAD_ROUTING = '021000022';
/** Distinct, recognisable account numbers: the grep at the end looks for each. */
const NUMBERS = {
  happy: '73519846203',
  bad: '73519846204',
  outage: '73519846205',
  customer: '73519846206',
};
const IBAN = 'DE89370400440532013000';

interface JourneyRow {
  event_type: string;
  status: string;
  error_type: string | null;
  duration_ms: number | null;
  operation: string | null;
  fields: Record<string, unknown>;
}

describe('Bank-account setup (issue 9, seed 000)', () => {
  let t: TestApp;
  let sim: GatewaySimulator;
  const companyId = randomUUID();
  let admin: string;
  let customerId: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    sim = await startTestGatewaySim();
    t = await startTestApp({ env: { BANK_VALIDATION_URL: sim.url } });
    // Seconds, not minutes: the retry and the half-open circuit of the outage test.
    Object.assign(t.app.get(BankAccountsSettings), {
      retryBaseDelayMs: 200,
      retryMaxDelayMs: 1_000,
      externalTimeoutMs: 1_000,
      breakerThreshold: 3,
      breakerHalfOpenAfterMs: 500,
    });
    admin = await t.token({ companyId, roles: ['admin'] });
    const res = await request(t.url)
      .post('/v1/customers')
      .set(as(admin))
      .send({ name: 'Amina Otieno', currency: 'USD' })
      .expect(201);
    customerId = (res.body as { id: string }).id;
  });

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  async function submit(body: Record<string, unknown>, token = admin, customer = customerId) {
    const res = await request(t.url)
      .post(`/v1/customers/${customer}/bank-accounts`)
      .set(as(token))
      .send(body)
      .expect(202);
    const requestBody = res.body as { id: string; trace_id: string; status: string };
    expect(res.headers.location).toBe(`/v1/bank-accounts/requests/${requestBody.id}`);
    expect(requestBody.status).toBe('queued');
    return requestBody;
  }

  async function settled(id: string, status: string, timeoutMs = 15_000) {
    return waitFor(
      async () => {
        const res = await request(t.url).get(`/v1/bank-accounts/requests/${id}`).set(as(admin)).expect(200);
        const body = res.body as { status: string };
        return body.status === status ? (res.body as Record<string, unknown>) : undefined;
      },
      { timeoutMs, what: `request ${id} ${status}` },
    );
  }

  async function journey(traceId: string): Promise<JourneyRow[]> {
    const { rows } = await t.db.query<JourneyRow>(
      `SELECT event_type, status, error_type, duration_ms, operation, fields FROM journey_events
        WHERE flow = 'bank_account_setup' AND trace_id = $1 ORDER BY occurred_at, seq`,
      [traceId],
    );
    return rows;
  }

  it('runs every stage of seed 000 in order, with its key fields, and creates one masked account', async () => {
    const req = await submit({
      account_holder_name: 'Amina Otieno',
      account_type: 'checking',
      routing_number: GOOD_ROUTING,
      account_number: NUMBERS.happy,
    });
    const done = await settled(req.id, 'completed');
    expect(done).toMatchObject({ routing_number: '*****0021', account_number_last4: '6203', error: null });

    const events = await journey(req.trace_id);
    expect(events.map((e) => [e.event_type, e.status])).toEqual([
      ['message_received', 'processing'],
      ['validation_started', 'processing'],
      ['validation_completed', 'success'],
      ['bank_setup_started', 'processing'],
      ['external_validation_completed', 'success'],
      ['account_created', 'success'],
      ['bank_account_setup_completed', 'success'],
    ]);
    const [received, started, validated, setup, external, created, completed] = events;
    expect(received.fields).toMatchObject({
      source: 'api',
      queue_name: 'bank-accounts',
      message_size: expect.any(Number) as number,
      job_id: expect.stringMatching(/__bank-accounts\.setup$/) as string,
    });
    expect(started.fields).toMatchObject({ validation_type: 'aba' });
    expect(validated.fields.validation_checks_passed).toEqual([
      'holder_name_present',
      'routing_number_format',
      'routing_checksum',
      'account_number_format',
    ]);
    expect(validated.operation).toBe('validation');
    expect(setup.fields).toMatchObject({ routing_number: '*****0021', account_number: '*******6203' });
    expect(external).toMatchObject({ operation: 'external_validation' });
    expect(external.fields).toMatchObject({
      service: 'bank-validation',
      duration_ms: expect.any(Number) as number,
      validation_score: 0.92,
    });
    const { rows: accounts } = await t.db.query<{ id: string }>(
      `SELECT id FROM bank_accounts WHERE request_id = $1`,
      [req.id],
    );
    expect(accounts).toHaveLength(1);
    expect(created.fields).toMatchObject({
      account_id: accounts[0].id,
      account_type: 'checking',
      status: 'active',
    });
    expect(created.operation).toBe('account_creation');
    expect(completed.fields).toMatchObject({
      account_id: accounts[0].id,
      processing_duration_ms: expect.any(Number) as number,
      validation_checks_passed: validated.fields.validation_checks_passed,
    });
    expect(completed.operation).toBe('total');

    // The simulator got the last four digits, never the number.
    const bankCalls = sim.requests().filter((r) => r.path === '/bank/validate');
    expect(bankCalls.at(-1)?.body).toEqual({
      routing_number: GOOD_ROUTING,
      account_number_last4: '6203',
      account_type: 'checking',
    });

    const list = await request(t.url)
      .get(`/v1/customers/${customerId}/bank-accounts`)
      .set(as(admin))
      .expect(200);
    expect((list.body as { data: unknown[] }).data).toEqual([
      expect.objectContaining({
        id: accounts[0].id,
        request_id: req.id,
        routing_number: '*****0021',
        account_number_last4: '6203',
        status: 'active',
      }),
    ]);
    const { rows: createdEvents } = await t.db.query(
      `SELECT 1 FROM outbox_events WHERE type = 'BankAccountCreated' AND metadata->>'request_id' = $1`,
      [req.id],
    );
    expect(createdEvents).toHaveLength(1);
    expect(await t.metrics()).toMatch(/bank_account_setup_duration_seconds_count\{operation="total"\} [1-9]/);
  });

  it('fails a bad routing number at the validation stage, listing the failed checks and missing fields', async () => {
    const callsBefore = sim.requests().length;
    const req = await submit({
      account_holder_name: ' ',
      account_type: 'savings',
      routing_number: BAD_ROUTING,
      account_number: NUMBERS.bad,
    });
    const failed = await settled(req.id, 'failed');
    expect(failed.error).toMatchObject({
      type: 'validation_error',
      message: expect.stringContaining('verify your routing number') as string,
    });
    const events = await journey(req.trace_id);
    expect(events.map((e) => e.event_type)).toEqual([
      'message_received',
      'validation_started',
      'validation_failed',
    ]);
    const last = events[2];
    expect(last).toMatchObject({ status: 'error', error_type: 'validation_error', operation: 'validation' });
    expect(last.fields).toMatchObject({
      validation_checks_passed: ['routing_number_format', 'account_number_format'],
      missing_fields: ['account_holder_name'],
      failed_checks: [
        expect.objectContaining({ check: 'holder_name_present', field: 'account_holder_name' }),
        expect.objectContaining({ check: 'routing_checksum', field: 'routing_number' }),
      ],
    });
    const { rows } = await t.db.query(`SELECT 1 FROM bank_accounts WHERE request_id = $1`, [req.id]);
    expect(rows).toHaveLength(0);
    expect(sim.requests().length).toBe(callsBefore); // never reached the external service
  });

  it('sets up an IBAN account (mod-97 checked, external stage skipped)', async () => {
    const req = await submit({ account_holder_name: 'Jonas Weber', account_type: 'checking', iban: IBAN });
    await settled(req.id, 'completed');
    const events = await journey(req.trace_id);
    expect(events.map((e) => e.event_type)).toContain('bank_account_setup_completed');
    expect(events.find((e) => e.event_type === 'bank_setup_started')?.fields).toMatchObject({
      iban: 'DE****************3000',
    });
  });

  it('answers 400 to malformed requests, 404 to another customer, and lets a customer set up its own', async () => {
    const post = (body: unknown, token = admin, customer = customerId) =>
      request(t.url)
        .post(`/v1/customers/${customer}/bank-accounts`)
        .set(as(token))
        .send(body as object);
    await post({ account_holder_name: 'A', routing_number: GOOD_ROUTING, account_number: '1234' }).expect(
      400,
    );
    await post({ account_holder_name: 'A', account_type: 'checking', routing_number: 21000021 }).expect(400);
    await post({ account_type: 'checking', routing_number: GOOD_ROUTING, account_number: '12345' }).expect(
      400,
    );
    await post({
      account_holder_name: 'A',
      account_type: 'checking',
      iban: IBAN,
      account_number: '1',
    }).expect(400);

    const other = await request(t.url)
      .post('/v1/customers')
      .set(as(admin))
      .send({ name: 'Other', currency: 'USD' })
      .expect(201);
    const otherId = (other.body as { id: string }).id;
    const self = await t.token({ companyId, roles: ['customer'], customerId });
    const body = {
      account_holder_name: 'Amina Otieno',
      account_type: 'savings',
      routing_number: GOOD_ROUTING,
      account_number: NUMBERS.customer,
    };
    await post(body, self, otherId).expect(404);
    const viewer = await t.token({ companyId, roles: ['viewer'] });
    await post(body, viewer).expect(403);
    const foreign = await t.token({ companyId: randomUUID(), roles: ['admin'] });
    await post(body, foreign).expect(404);
    const own = await submit(body, self);
    await settled(own.id, 'completed');
    await request(t.url).get(`/v1/bank-accounts/requests/${own.id}`).set(as(foreign)).expect(404);
  });

  it('keeps the request waiting while the validation service is down, then completes it by itself', async () => {
    sim.control({ fail_status: 500, fault_paths: ['/bank/'] });
    const req = await submit({
      account_holder_name: 'Amina Otieno',
      account_type: 'checking',
      routing_number: GOOD_ROUTING,
      account_number: NUMBERS.outage,
    });
    const waiting = await settled(req.id, 'waiting_external');
    expect(waiting.error).toMatchObject({
      type: 'external_service_error',
      message: expect.stringContaining('processed automatically once service is restored') as string,
    });
    const during = await journey(req.trace_id);
    expect(during.find((e) => e.event_type === 'external_validation_completed')).toMatchObject({
      status: 'error',
      error_type: 'external_service_error',
    });
    // Let it retry a few times against the dead service (the circuit opens), then bring the service back.
    await waitFor(
      () => sim.requests().filter((r) => r.path === '/bank/validate' && r.status === 500).length >= 2,
      { what: 'retries against the failing service' },
    );
    sim.control({ fail_status: null, refuse: false });
    await settled(req.id, 'completed', 10_000);

    const events = await journey(req.trace_id);
    expect(events.filter((e) => e.event_type === 'message_received').length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)?.event_type).toBe('bank_account_setup_completed');
    const { rows: accounts } = await t.db.query(`SELECT 1 FROM bank_accounts WHERE request_id = $1`, [
      req.id,
    ]);
    expect(accounts).toHaveLength(1);
    const { rows: created } = await t.db.query(
      `SELECT 1 FROM outbox_events WHERE type = 'BankAccountCreated' AND metadata->>'request_id' = $1`,
      [req.id],
    );
    expect(created).toHaveLength(1);
  });

  it('classifies a connection refused as external_service_error too', async () => {
    sim.control({ refuse: true, fault_paths: ['/bank/'] });
    const req = await submit({
      account_holder_name: 'Amina Otieno',
      account_type: 'checking',
      routing_number: GOOD_ROUTING,
      account_number: NUMBERS.outage,
    });
    await settled(req.id, 'waiting_external');
    sim.control({ refuse: false });
    await settled(req.id, 'completed', 10_000);
  });

  it('classifies a service that does not answer in time as timeout_error, and completes once it answers', async () => {
    sim.control({ hang: true, fault_paths: ['/bank/'] });
    const req = await submit({
      account_holder_name: 'Amina Otieno',
      account_type: 'checking',
      routing_number: GOOD_ROUTING,
      account_number: NUMBERS.outage,
    });
    const waiting = await settled(req.id, 'waiting_external');
    expect(waiting.error).toMatchObject({ type: 'timeout_error' });
    const events = await journey(req.trace_id);
    expect(events.find((e) => e.error_type === 'timeout_error')).toMatchObject({
      event_type: 'external_validation_completed',
      status: 'error',
    });
    sim.control({ hang: false });
    await settled(req.id, 'completed', 10_000);
  });

  it('never holds a full account number in a log line, a table or a queued job', async () => {
    const numbers = Object.values(NUMBERS);
    const logs = JSON.stringify(t.logs);
    for (const number of numbers) expect(logs).not.toContain(number);
    expect(logs).not.toContain(IBAN);

    const { rows } = await t.db.query<{ dump: string }>(
      `SELECT string_agg(d, ' ') AS dump FROM (
         SELECT t::text AS d FROM journey_events t
         UNION ALL SELECT t::text FROM bank_account_requests t
         UNION ALL SELECT t::text FROM bank_accounts t
         UNION ALL SELECT t::text FROM outbox_events t
         UNION ALL SELECT t::text FROM idempotency_keys t) x`,
    );
    expect(rows[0].dump.length).toBeGreaterThan(1000);
    for (const number of numbers) expect(rows[0].dump).not.toContain(number);
    expect(rows[0].dump).not.toContain(IBAN);

    const redis = new Redis(testEnv.redisUrl());
    try {
      const keys = await redis.keys(`${t.config.REDIS_PREFIX}:bank-accounts:*`);
      const values: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') values.push(JSON.stringify(await redis.hgetall(key)));
      }
      expect(values.join('\n')).toContain('request_id'); // the jobs are there, carrying only the id
      for (const number of numbers) expect(values.join('\n')).not.toContain(number);
    } finally {
      redis.disconnect();
    }
    const simBodies = JSON.stringify(sim.requests().map((r) => r.body));
    for (const number of numbers) expect(simBodies).not.toContain(number);
  });
});
