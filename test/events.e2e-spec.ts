import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventBus } from '../src/platform/events/event-bus';
import { OutboxRelay } from '../src/platform/events/outbox-relay';
import { startTestApp, TestApp } from './support/app';
import { FixtureModule, FixtureSubscribers, ROLLBACK_NOTE } from './support/fixture.module';
import { waitFor } from './support/wait';

describe('Domain events: outbox, relay, durable and in-process subscribers', () => {
  let t: TestApp;
  let token: string;
  const companyId = randomUUID();

  beforeAll(async () => {
    t = await startTestApp({ extraModules: [FixtureModule] });
    token = await t.token({ companyId, roles: ['agent'], userId: 'agent-7' });
  });
  afterAll(() => t.close());

  const ping = (note: string, headers: Record<string, string> = {}) =>
    request(t.url)
      .post('/v1/fixtures/pings')
      .set('authorization', `Bearer ${token}`)
      .set(headers)
      .send({ note });

  const delivery = async (eventId: string) =>
    (await t.db.query('SELECT * FROM fixture_deliveries WHERE event_id = $1', [eventId])).rows[0] as
      { deliveries: number; correlation_id: string; company_id: string; note: string } | undefined;

  it('delivers a committed event once to its durable subscriber, with the seed 002 envelope', async () => {
    const res = await ping('hello', { 'x-request-id': 'corr-events-1' }).expect(201);
    const eventId = res.body.event_id as string;

    const row = await waitFor(() => delivery(eventId), { what: 'durable delivery' });
    expect(row).toMatchObject({
      deliveries: 1,
      company_id: companyId,
      note: 'hello',
      correlation_id: 'corr-events-1',
    });

    const seen = await waitFor(
      () => t.app.get(FixtureSubscribers).inProcessSeen.find((event) => event.event_id === eventId),
      { what: 'in-process listener' },
    );
    expect(seen).toEqual({
      event_id: eventId,
      type: 'FixturePinged',
      company_id: companyId,
      user_id: 'agent-7',
      customer_id: null,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      metadata: { note: 'hello' },
      correlation_id: 'corr-events-1',
    });

    const { rows } = await t.db.query('SELECT dispatched_at FROM outbox_events WHERE event_id = $1', [
      eventId,
    ]);
    expect(rows[0].dispatched_at).not.toBeNull();
    const metrics = await t.metrics();
    expect(metrics).toMatch(/outbox_events_dispatched_total\{type="FixturePinged"\} [1-9]/);
    expect(metrics).toMatch(
      /bullmq_job_duration_seconds_count\{queue="domain-events",status="completed"\} [1-9]/,
    );
  });

  it('never delivers an event whose transaction rolled back', async () => {
    await ping(ROLLBACK_NOTE).expect(409);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox_events WHERE metadata->>'note' = $1`,
      [ROLLBACK_NOTE],
    );
    expect(rows[0].n).toBe(0);
    const pings = await t.db.query('SELECT count(*)::int AS n FROM fixture_pings WHERE note = $1', [
      ROLLBACK_NOTE,
    ]);
    expect(pings.rows[0].n).toBe(0);
  });

  it('does not duplicate a delivery when the relay hands the same event on again', async () => {
    const res = await ping('replayed').expect(201);
    const eventId = res.body.event_id as string;
    await waitFor(() => delivery(eventId), { what: 'first delivery' });

    await t.db.query('UPDATE outbox_events SET dispatched_at = NULL WHERE event_id = $1', [eventId]);
    await waitFor(
      async () =>
        (await t.db.query('SELECT dispatched_at FROM outbox_events WHERE event_id = $1', [eventId])).rows[0]
          .dispatched_at !== null,
      { what: 're-dispatch' },
    );
    await t.app.get(OutboxRelay).relayOnce();
    expect((await delivery(eventId))?.deliveries).toBe(1);
  });

  it('refuses to publish outside a transaction', async () => {
    const bus = t.app.get(EventBus);
    await expect(
      bus.publish(t.app.get(DataSource).manager, {
        type: 'FixturePinged',
        companyId,
        metadata: { note: 'x' },
      }),
    ).rejects.toThrow(/inside the transaction/);
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body, and writes once', async () => {
      const key = `key-${randomUUID()}`;
      const first = await ping('idem', { 'idempotency-key': key }).expect(201);
      const second = await ping('idem', { 'idempotency-key': key }).expect(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM fixture_pings WHERE note = 'idem'`);
      expect(rows[0].n).toBe(1);
    });

    it('refuses the same key with another body (422) and keeps keys per tenant', async () => {
      const key = `key-${randomUUID()}`;
      await ping('one', { 'idempotency-key': key }).expect(201);
      const reused = await ping('two', { 'idempotency-key': key }).expect(422);
      expect(reused.body.type).toMatch(/idempotency-key-reused$/);

      const otherTenant = await t.token({ companyId: randomUUID(), roles: ['agent'] });
      await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${otherTenant}`)
        .set('idempotency-key', key)
        .send({ note: 'two' })
        .expect(201);
    });

    it('forgets a failed attempt so the client can retry with the same key', async () => {
      const key = `key-${randomUUID()}`;
      await ping(ROLLBACK_NOTE, { 'idempotency-key': key }).expect(409);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [
        key,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });
});
