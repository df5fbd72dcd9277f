import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { CRASH_NOTE, FixtureModule } from './support/fixture.module';

const EMAIL = 'jane.customer@example.com';
const ACCOUNT = '000123456789';
const PHONE = '+15551234567';

describe('Logs: the seed 002 schema, and no PII in clear', () => {
  let t: TestApp;
  const companyId = randomUUID();

  beforeAll(async () => {
    t = await startTestApp({ extraModules: [FixtureModule], env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(() => t.close());

  it('leaves no email, account or phone number in clear, wherever the request carried them', async () => {
    const token = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    const from = t.logs.length;
    // Accepted: PII in the query string (it reaches the request log line's url).
    await request(t.url)
      .post(`/v1/fixtures/pings?email=${encodeURIComponent(EMAIL)}&account=${ACCOUNT}`)
      .set('authorization', `Bearer ${token}`)
      .send({ note: 'with pii', email: EMAIL, account_number: ACCOUNT })
      .expect(201);
    // Refused: the whole body (email, account number, phone) is logged at debug level for diagnosis.
    await request(t.url)
      .post('/v1/fixtures/pings')
      .set('authorization', `Bearer ${token}`)
      .send({ note: 'x'.repeat(101), email: EMAIL, account_number: ACCOUNT, phone: PHONE })
      .expect(400);

    const lines = t.logs.slice(from);
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(ACCOUNT);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain(token);
    // The values did reach the logger, masked with their last four kept.
    expect(text).toContain(`********${ACCOUNT.slice(-4)}`);
    expect(text).toContain('.com');
    const bodyLine = lines.find((line) => line.operation === 'http.rejected' && line.body);
    expect(bodyLine?.body).toMatchObject({ account_number: '********6789', phone: '********4567' });
  });

  it('writes one line per request with the seed fields', async () => {
    const token = await t.token({ companyId, roles: ['agent'], userId: 'agent-2' });
    await request(t.url)
      .get('/v1/me')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'log-req-1');
    const line = t.logs.find(
      (entry) => entry.correlation_id === 'log-req-1' && entry.operation === 'http.request',
    );
    expect(line).toMatchObject({
      level: 'info',
      message: 'GET 200',
      operation: 'http.request',
      correlation_id: 'log-req-1',
      company_id: companyId,
      user_id: 'agent-2',
      status_code: 200,
      duration_ms: expect.any(Number),
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('logs refused input at warn and server failures never leak internals', async () => {
    const token = await t.token({ companyId, roles: ['agent'] });
    await request(t.url)
      .post('/v1/fixtures/pings')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'log-req-2')
      .send({ note: 5 })
      .expect(400);
    const warn = t.logs.find(
      (entry) => entry.correlation_id === 'log-req-2' && entry.operation === 'http.rejected',
    );
    expect(warn?.level).toBe('warn');

    const crash = await request(t.url)
      .post('/v1/fixtures/pings')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'log-req-3')
      .send({ note: CRASH_NOTE })
      .expect(500);
    expect(crash.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(crash.body).toMatchObject({ status: 500, correlation_id: 'log-req-3' });
    expect(crash.body.detail).toContain('log-req-3');
    expect(JSON.stringify(crash.body)).not.toMatch(/10\.1\.2\.3|internal detail|stack/);
    const error = t.logs.find((entry) => entry.correlation_id === 'log-req-3' && entry.level === 'error');
    expect(error).toMatchObject({ operation: 'http.error' });
  });
});
