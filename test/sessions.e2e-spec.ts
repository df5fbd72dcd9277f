import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AffectedCustomers } from '../src/modules/maintenance/affected-customers';
import { SessionExpiry } from '../src/modules/sessions/session-expiry';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { HttpStub, SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

const PHONE_OK = '+254700000001';
const PHONE_BROKE = '+254700000011'; // the simulator answers result 1: insufficient balance
const MB = 1_000_000;

interface Session {
  id: string;
  status: string;
  payment_id: string | null;
  started_at: string | null;
  expires_at: string | null;
  termination_reason: string | null;
  terminate_cause: string | null;
  usage: { bytes_in: number; bytes_out: number; sequence: number | null; remaining_bytes: number | null };
}

describe('WiFi sessions (packages, purchase, usage, termination, expiry, authorize)', () => {
  let t: TestApp;
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  let smtp: SmtpSink;
  let sms: HttpStub;
  const clock = new ManualClock(new Date());
  const companyA = randomUUID();
  const companyB = randomUUID();
  let adminA: string;
  let agentA: string;
  let adminB: string;
  let deviceKey: string;
  let deviceKeyB: string;
  let customer: { id: string; email: string };
  let customerToken: string;
  let capped: { id: string };
  let unlimited: { id: string };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const device = (key = deviceKey) => ({ 'x-device-key': key });

  const newCustomer = async () =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(agentA))
        .send({
          name: 'Amina Otieno',
          email: `s${randomUUID().slice(0, 8)}@example.com`,
          phone: '+254712345678',
          currency: 'KES',
        })
        .expect(201)
    ).body as { id: string; email: string };
  const newPackage = async (body: Record<string, unknown>, token = adminA) =>
    (
      await request(t.url)
        .post('/v1/packages')
        .set(as(token))
        .send({ price_minor: 5_000, currency: 'KES', duration_seconds: 3_600, ...body })
        .expect(201)
    ).body as { id: string };
  const buy = (packageId: string, { phone = PHONE_OK, token = customerToken, key = randomUUID() } = {}) =>
    request(t.url)
      .post('/v1/sessions')
      .set(as(token))
      .set('idempotency-key', key)
      .send({ package_id: packageId, phone });
  const session = async (id: string) =>
    (await request(t.url).get(`/v1/sessions/${id}`).set(as(agentA)).expect(200)).body as Session;
  const inStatus = (id: string, status: string) =>
    waitFor(
      async () => {
        const s = await session(id);
        return s.status === status ? s : undefined;
      },
      { what: `session ${id} to be ${status}`, timeoutMs: 30_000 },
    );
  /** A paid, active session of `packageId` for the customer. */
  const activeSession = async (packageId: string) => {
    const created = await buy(packageId).expect(201);
    return inStatus((created.body as Session).id, 'active');
  };
  const usage = (id: string, body: Record<string, unknown>, key = deviceKey) =>
    request(t.url).post(`/v1/sessions/${id}/usage`).set(device(key)).send(body);
  const authorize = (id: string, key = deviceKey) =>
    request(t.url).get(`/v1/sessions/${id}/authorize`).set(device(key));
  const outbox = async (type: string, sessionId: string) =>
    (
      await t.db.query<{ metadata: Record<string, unknown> }>(
        `SELECT metadata FROM outbox_events WHERE type = $1 AND metadata->>'session_id' = $2`,
        [type, sessionId],
      )
    ).rows.map((row) => row.metadata);
  const mailTo = (address: string, subject: RegExp) =>
    waitFor(
      () =>
        smtp.messages.find(
          (message) => JSON.stringify(message.to).includes(address) && subject.test(String(message.subject)),
        ),
      { what: `an email to the customer matching ${String(subject)}` },
    );
  const hourlyBytes = async () =>
    (
      await t.db.query<{ total: string | null }>(
        'SELECT sum(bytes_in + bytes_out)::text AS total FROM session_usage_hourly WHERE company_id = $1',
        [companyA],
      )
    ).rows[0].total;

  beforeAll(async () => {
    sim = await startTestGatewaySim({ callbackDelayMs: 100 });
    await sim.http.control({ result_code_for_phone: { [PHONE_BROKE]: 1 } });
    smtp = await new SmtpSink().start();
    sms = await new HttpStub().start();
    t = await startTestApp({
      clock,
      env: {
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        SMTP_URL: smtp.url,
        SMS_PROVIDER_URL: sms.url('/messages'),
        SMS_API_KEY: 'test-sms-key',
      },
    });
    t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
    adminA = await t.token({ companyId: companyA, roles: ['admin'] });
    agentA = await t.token({ companyId: companyA, roles: ['agent'] });
    adminB = await t.token({ companyId: companyB, roles: ['admin'] });
    customer = await newCustomer();
    customerToken = await t.token({ companyId: companyA, roles: ['customer'], customerId: customer.id });
    deviceKey = (
      await request(t.url).post('/v1/access-devices').set(as(adminA)).send({ name: 'cbd-1' }).expect(201)
    ).body.key as string;
    deviceKeyB = (
      await request(t.url).post('/v1/access-devices').set(as(adminB)).send({ name: 'b-1' }).expect(201)
    ).body.key as string;
    capped = await newPackage({ name: 'Hourly 10 MB', data_cap_bytes: 10 * MB, services: ['wifi-cbd'] });
    unlimited = await newPackage({ name: 'Daily unlimited', duration_seconds: 86_400, price_minor: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
    await smtp?.stop();
    await sms?.stop();
  });

  it('keeps packages to admins, per tenant, and refuses bad terms', async () => {
    await request(t.url).post('/v1/packages').set(as(agentA)).send({ name: 'x' }).expect(403);
    const bad = await request(t.url)
      .post('/v1/packages')
      .set(as(adminA))
      .send({ name: 'Bad', price_minor: -1, currency: 'kes', duration_seconds: 5, speed_profile: 'fast' })
      .expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = (bad.body.errors as Array<{ field: string }>).map((error) => error.field).sort();
    expect(fields).toEqual(['currency', 'duration_seconds', 'price_minor', 'speed_profile']);
    const dup = await request(t.url)
      .post('/v1/packages')
      .set(as(adminA))
      .send({ name: 'hourly 10 mb', price_minor: 1, currency: 'KES', duration_seconds: 60 })
      .expect(409);
    expect(dup.body.type).toMatch(/package-name-taken/);
    await request(t.url).get(`/v1/packages/${capped.id}`).set(as(adminB)).expect(404);
    const listed = await request(t.url).get('/v1/packages').set(as(customerToken)).expect(200);
    expect((listed.body.data as Array<{ id: string }>).map((p) => p.id)).toEqual(
      expect.arrayContaining([capped.id, unlimited.id]),
    );
  });

  it('buys a package, starts on the payment callback, counts usage and ends at the data cap, telling the customer', async () => {
    const created = await buy(capped.id).expect(201);
    const pending = created.body as Session;
    expect(created.headers.location).toBe(`/v1/sessions/${pending.id}`);
    expect(pending).toMatchObject({ status: 'pending_payment', started_at: null });
    expect(pending.payment_id).toEqual(expect.any(String));
    const denied = await authorize(pending.id).expect(200);
    expect(denied.body).toMatchObject({ allow: false, reason: 'payment_pending' });

    const active = await inStatus(pending.id, 'active');
    const payment = await request(t.url).get(`/v1/payments/${active.payment_id}`).set(as(agentA)).expect(200);
    expect(payment.body).toMatchObject({
      status: 'succeeded',
      purpose_type: 'package',
      purpose_id: pending.id,
    });
    expect(new Date(active.expires_at!).getTime() - new Date(active.started_at!).getTime()).toBe(3_600_000);
    expect(await outbox('PackagePurchased', pending.id)).toEqual([
      expect.objectContaining({ amount_minor: 5_000, currency: 'KES', package_name: 'Hourly 10 MB' }),
    ]);
    const allowed = await authorize(pending.id).expect(200);
    expect(allowed.body).toMatchObject({ allow: true, reason: null, remaining_bytes: 10 * MB });
    expect(allowed.body.remaining_seconds).toBeGreaterThan(3_500);
    await mailTo(customer.email, /Hourly 10 MB WiFi access is active/);

    const first = await usage(pending.id, { sequence: 1, bytes_in: 2 * MB, bytes_out: 1 * MB }).expect(200);
    expect(first.body).toMatchObject({ outcome: 'applied', status: 'active', bytes_in: 2 * MB });
    const last = await usage(pending.id, { sequence: 2, bytes_in: 6 * MB, bytes_out: 4 * MB }).expect(200);
    expect(last.body).toMatchObject({
      outcome: 'applied',
      status: 'terminated',
      terminated_reason: 'data_cap',
    });

    const ended = await session(pending.id);
    expect(ended).toMatchObject({
      status: 'terminated',
      termination_reason: 'data_cap',
      terminate_cause: 'Session-Timeout',
      usage: { bytes_in: 6 * MB, bytes_out: 4 * MB, sequence: 2, remaining_bytes: 0 },
    });
    expect((await authorize(pending.id).expect(200)).body).toMatchObject({
      allow: false,
      reason: 'terminated',
    });
    expect(await outbox('SessionTerminated', pending.id)).toEqual([
      expect.objectContaining({
        reason: 'data_cap',
        terminated_by: 'system',
        bytes_in: 6 * MB,
        bytes_out: 4 * MB,
      }),
    ]);
    await mailTo(customer.email, /Hourly 10 MB WiFi session has ended/);
    const mail = await mailTo(customer.email, /has ended/);
    expect(String(mail.text)).toMatch(/used all the data in your package/);
    await waitFor(() => sms.requests.length >= 2, { what: 'two SMS (started, ended)' });
  });

  it('marks the session payment_failed when the payment fails, and tells the customer', async () => {
    const created = await buy(unlimited.id, { phone: PHONE_BROKE }).expect(201);
    const failed = await inStatus((created.body as Session).id, 'payment_failed');
    expect((await authorize(failed.id).expect(200)).body).toMatchObject({
      allow: false,
      reason: 'payment_failed',
    });
    await mailTo(customer.email, /payment for Daily unlimited did not go through/);
    const refused = await usage(failed.id, { sequence: 1, bytes_in: 1, bytes_out: 1 }).expect(409);
    expect(refused.body.type).toMatch(/session-not-started/);
  });

  it('answers the same purchase for the same Idempotency-Key', async () => {
    const key = randomUUID();
    const first = await buy(unlimited.id, { key }).expect(201);
    const again = await buy(unlimited.id, { key }).expect(201);
    expect(again.body.id).toBe(first.body.id);
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n FROM wifi_sessions WHERE idempotency_key = $1',
      [key],
    );
    expect(rows[0].n).toBe(1);
    await inStatus(first.body.id as string, 'active');
    await request(t.url)
      .post('/v1/sessions')
      .set(as(customerToken))
      .send({ package_id: unlimited.id })
      .expect(400);
  });

  it('never double counts usage reports that are duplicated or out of order, alone or in batches', async () => {
    const s = await activeSession(unlimited.id);
    const before = BigInt((await hourlyBytes()) ?? '0');
    await usage(s.id, { sequence: 1, bytes_in: 100, bytes_out: 10 }).expect(200);
    await usage(s.id, { sequence: 3, bytes_in: 300, bytes_out: 30 }).expect(200);
    // Sequence 2 arrives after 3: refused, nothing changes; 3 again is a harmless duplicate.
    const late = await usage(s.id, { sequence: 2, bytes_in: 200, bytes_out: 20 }).expect(409);
    expect(late.body.type).toMatch(/usage-sequence-stale/);
    const duplicate = await usage(s.id, { sequence: 3, bytes_in: 300, bytes_out: 30 }).expect(200);
    expect(duplicate.body.outcome).toBe('duplicate');
    const reused = await usage(s.id, { sequence: 3, bytes_in: 301, bytes_out: 30 }).expect(409);
    expect(reused.body.type).toMatch(/usage-sequence-reused/);
    const decreased = await usage(s.id, { sequence: 4, bytes_in: 299, bytes_out: 30 }).expect(422);
    expect(decreased.body.type).toMatch(/usage-counter-decreased/);

    const other = await activeSession(unlimited.id);
    const batch = await request(t.url)
      .post('/v1/sessions/usage')
      .set(device())
      .send({
        reports: [
          { session_id: s.id, sequence: 5, bytes_in: 500, bytes_out: 50 },
          { session_id: s.id, sequence: 4, bytes_in: 400, bytes_out: 40 },
          { session_id: other.id, sequence: 1, bytes_in: 1_000, bytes_out: 0 },
          { session_id: other.id, sequence: 1, bytes_in: 1_000, bytes_out: 0 },
          { session_id: randomUUID(), sequence: 1, bytes_in: 1, bytes_out: 1 },
        ],
      })
      .expect(200);
    expect((batch.body.results as Array<{ outcome: string }>).map((result) => result.outcome)).toEqual([
      'applied',
      'superseded',
      'applied',
      'duplicate',
      'not_found',
    ]);
    expect(batch.body.applied).toBe(2);
    // The same batch again counts nothing.
    const replay = await request(t.url)
      .post('/v1/sessions/usage')
      .set(device())
      .send({ reports: [{ session_id: s.id, sequence: 5, bytes_in: 500, bytes_out: 50 }] })
      .expect(200);
    expect(replay.body).toMatchObject({ applied: 0, results: [{ outcome: 'duplicate' }] });

    expect((await session(s.id)).usage).toMatchObject({ bytes_in: 500, bytes_out: 50, sequence: 5 });
    expect((await session(other.id)).usage).toMatchObject({ bytes_in: 1_000, bytes_out: 0 });
    // The hourly rollup gained exactly the final counters: 550 + 1,000 bytes.
    expect(BigInt((await hourlyBytes()) ?? '0') - before).toBe(1_550n);
    expect(await t.metrics()).toMatch(/session_data_bytes_total\{company_id="[^"]+",direction="in"\} \d+/);
  });

  it('refuses bad usage input and wrong device keys, changing nothing', async () => {
    const s = await activeSession(unlimited.id);
    await usage(s.id, { sequence: 1, bytes_in: 10, bytes_out: 10 }).expect(200);
    const negative = await usage(s.id, { sequence: 2, bytes_in: -5, bytes_out: 10 }).expect(400);
    expect(negative.headers['content-type']).toMatch(/application\/problem\+json/);
    await usage(s.id, { sequence: 2, bytes_in: 'many', bytes_out: 10 }).expect(400);
    await usage(s.id, { sequence: 2, bytes_in: 20, bytes_out: 20, status_type: 'stop' }).expect(400);
    await request(t.url).post('/v1/sessions/usage').set(device()).send({ reports: [] }).expect(400);
    const wrongKey = await usage(
      s.id,
      { sequence: 2, bytes_in: 20, bytes_out: 20 },
      `cdk_${'x'.repeat(43)}`,
    ).expect(401);
    expect(wrongKey.body.type).toMatch(/device-key-invalid/);
    await request(t.url)
      .post(`/v1/sessions/${s.id}/usage`)
      .send({ sequence: 2, bytes_in: 1, bytes_out: 1 })
      .expect(401);
    // A user token is not a device key, and another company's device does not see the session.
    await request(t.url).get(`/v1/sessions/${s.id}/authorize`).set(as(adminA)).expect(401);
    await usage(s.id, { sequence: 2, bytes_in: 20, bytes_out: 20 }, deviceKeyB).expect(404);
    await authorize(s.id, deviceKeyB).expect(404);
    expect((await session(s.id)).usage).toMatchObject({ bytes_in: 10, bytes_out: 10, sequence: 1 });
    const logged = JSON.stringify(t.logs);
    expect(logged).not.toContain(deviceKey.slice(4));
    expect(logged).not.toContain(deviceKeyB.slice(4));
  });

  it('ends sessions by the customer, by staff and by the access controller, with RADIUS causes', async () => {
    const mine = await activeSession(unlimited.id);
    const byCustomer = await request(t.url)
      .post(`/v1/sessions/${mine.id}/terminate`)
      .set(as(customerToken))
      .send({})
      .expect(200);
    expect(byCustomer.body).toMatchObject({
      status: 'terminated',
      termination_reason: 'user_request',
      terminate_cause: 'User-Request',
    });
    const again = await request(t.url)
      .post(`/v1/sessions/${mine.id}/terminate`)
      .set(as(agentA))
      .send({})
      .expect(409);
    expect(again.body.type).toMatch(/session-not-active/);
    expect((await authorize(mine.id).expect(200)).body).toMatchObject({ allow: false, reason: 'terminated' });

    const reset = await activeSession(unlimited.id);
    await authorize(reset.id).expect(200); // cache the live terms: the end must replace them
    await request(t.url)
      .post(`/v1/sessions/${reset.id}/terminate`)
      .set(as(agentA))
      .send({ note: 'abuse' })
      .expect(200);
    expect((await session(reset.id)).terminate_cause).toBe('Admin-Reset');
    expect((await authorize(reset.id).expect(200)).body).toMatchObject({
      allow: false,
      reason: 'terminated',
    });

    const lost = await activeSession(unlimited.id);
    const stop = await usage(lost.id, {
      sequence: 7,
      bytes_in: 70,
      bytes_out: 7,
      status_type: 'stop',
      terminate_cause: 'Lost-Carrier',
    }).expect(200);
    expect(stop.body).toMatchObject({
      outcome: 'applied',
      status: 'terminated',
      terminated_reason: 'lost_carrier',
    });
    expect(await outbox('SessionTerminated', lost.id)).toEqual([
      expect.objectContaining({
        reason: 'lost_carrier',
        terminate_cause: 'Lost-Carrier',
        terminated_by: 'access_controller',
      }),
    ]);
    // A final report after the end still counts the bytes used before it, and ends nothing twice.
    await usage(lost.id, { sequence: 8, bytes_in: 80, bytes_out: 8 }).expect(200);
    expect((await session(lost.id)).usage).toMatchObject({ bytes_in: 80, sequence: 8 });
    expect(await outbox('SessionTerminated', lost.id)).toHaveLength(1);

    const foreign = await t.token({
      companyId: companyA,
      roles: ['customer'],
      customerId: (await newCustomer()).id,
    });
    const theirs = await activeSession(unlimited.id);
    await request(t.url).post(`/v1/sessions/${theirs.id}/terminate`).set(as(foreign)).send({}).expect(404);
    await request(t.url).get(`/v1/sessions/${theirs.id}`).set(as(adminB)).expect(404);
  });

  it('expires sessions on time with a controllable clock, and authorize denies from that instant', async () => {
    const s = await activeSession(capped.id);
    const expiresAt = new Date(s.expires_at!);
    clock.set(new Date(expiresAt.getTime() - 1_000));
    expect((await authorize(s.id).expect(200)).body).toMatchObject({ allow: true, remaining_seconds: 1 });
    clock.set(new Date(expiresAt.getTime() + 1));
    // Between the expiry instant and the job's tick, authorize already denies.
    expect((await authorize(s.id).expect(200)).body).toMatchObject({ allow: false, reason: 'expired' });
    await t.app.get(SessionExpiry).expireDue();
    const expired = await session(s.id);
    expect(expired).toMatchObject({
      status: 'expired',
      termination_reason: 'session_timeout',
      terminate_cause: 'Session-Timeout',
    });
    expect(await outbox('SessionExpired', s.id)).toHaveLength(1);
    expect(await outbox('SessionTerminated', s.id)).toEqual([
      expect.objectContaining({
        reason: 'session_timeout',
        duration_seconds: 3_600,
        ended_at: expiresAt.toISOString(),
      }),
    ]);
    // A second run finds nothing to do.
    await t.app.get(SessionExpiry).expireDue();
    expect(await outbox('SessionExpired', s.id)).toHaveLength(1);
    clock.set(new Date());
  });

  it('refuses a package that is off sale, changing nothing', async () => {
    const off = await newPackage({ name: 'Old promo' });
    await request(t.url)
      .put(`/v1/packages/${off.id}`)
      .set(as(adminA))
      .send({
        name: 'Old promo',
        price_minor: 5_000,
        currency: 'KES',
        duration_seconds: 3_600,
        active: false,
      })
      .expect(200);
    const refused = await buy(off.id).expect(422);
    expect(refused.body.type).toMatch(/package-inactive/);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM wifi_sessions WHERE package_id = $1', [
      off.id,
    ]);
    expect(rows[0].n).toBe(0);
    await buy(randomUUID()).expect(404);
  });

  it('targets maintenance at customers with an active session on an affected service', async () => {
    const s = await activeSession(capped.id);
    const affected = t.app.get(AffectedCustomers, { strict: false });
    expect(affected.names()).toContain('sessions.active');
    expect(await affected.of(companyA, ['wifi-cbd'])).toContain(customer.id);
    expect(await affected.of(companyA, ['fibre'])).not.toContain(customer.id);
    await request(t.url).post(`/v1/sessions/${s.id}/terminate`).set(as(agentA)).send({}).expect(200);
    expect(await affected.of(companyA, ['wifi-cbd'])).not.toContain(customer.id);
  });

  it('logs successful access-controller polls at debug and refusals at warn', async () => {
    const s = await activeSession(unlimited.id);
    await authorize(s.id).expect(200);
    await usage(s.id, { sequence: 1, bytes_in: 1, bytes_out: 1 }, `cdk_${'y'.repeat(43)}`).expect(401);
    const accessLines = (suffix: string) =>
      t.logs.filter(
        (line) =>
          line.operation === 'http.request' &&
          String((line.req as { url?: string })?.url).endsWith(`${s.id}${suffix}`),
      );
    await waitFor(() => accessLines('/usage').length > 0, { what: 'the refused usage request logged' });
    expect(accessLines('/authorize').map((line) => line.level)).toEqual(['debug']);
    expect(accessLines('/usage').map((line) => line.level)).toEqual(['warn']);
  });

  it('exports the session metrics', async () => {
    await waitFor(async () => /sessions_terminated_total\{[^}]*reason="data_cap"/.test(await t.metrics()), {
      what: 'session metrics from relayed events',
    });
    const page = await t.metrics();
    for (const name of [
      'sessions_active',
      'sessions_started_total',
      'session_duration_seconds_bucket',
      'package_revenue_minor_total',
      'user_registrations_total',
    ]) {
      expect(page).toContain(name);
    }
  });
});
