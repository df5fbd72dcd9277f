import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { FixtureModule } from './support/fixture.module';

const PROBLEM = /application\/problem\+json/;

describe('HTTP platform: auth, tenancy, problems, request ids', () => {
  let t: TestApp;
  const companyA = randomUUID();
  const companyB = randomUUID();

  beforeAll(async () => {
    t = await startTestApp({ extraModules: [FixtureModule] });
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme'), ($2, 'Globex')`, [
      companyA,
      companyB,
    ]);
  });
  afterAll(() => t.close());

  describe('authentication and roles', () => {
    it('answers 401 problem+json without a token', async () => {
      const res = await request(t.url).get('/v1/me').expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', instance: '/v1/me' });
      expect(res.body.type).toMatch(/unauthorized$/);
    });

    it('answers 401 for a forged, expired or claim-less token', async () => {
      const valid = await t.token({ companyId: companyA });
      const forged = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      await request(t.url).get('/v1/me').set('authorization', `Bearer ${forged}`).expect(401);
      await request(t.url).get('/v1/me').set('authorization', 'Bearer not-a-jwt').expect(401);
      await request(t.url).get('/v1/me').set('authorization', `Basic ${valid}`).expect(401);
    });

    it('reads identity and tenant from the token', async () => {
      const token = await t.token({ companyId: companyA, roles: ['agent'], userId: 'user-1' });
      const res = await request(t.url).get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
      expect(res.body).toMatchObject({
        user_id: 'user-1',
        company_id: companyA,
        roles: ['agent'],
        customer_id: null,
        company: { id: companyA, name: 'Acme' },
      });
    });

    it('answers 403 when the role is not allowed', async () => {
      const viewer = await t.token({ companyId: companyA, roles: ['viewer'] });
      const res = await request(t.url)
        .patch(`/v1/companies/${companyA}`)
        .set('authorization', `Bearer ${viewer}`)
        .send({ name: 'Hacked' })
        .expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const { rows } = await t.db.query('SELECT name FROM companies WHERE id = $1', [companyA]);
      expect(rows[0].name).toBe('Acme');
    });
  });

  describe('tenancy', () => {
    it("never lets company A read or change company B's data: 404 like a missing id", async () => {
      const adminA = await t.token({ companyId: companyA, roles: ['admin'] });
      const read = await request(t.url)
        .get(`/v1/companies/${companyB}`)
        .set('authorization', `Bearer ${adminA}`);
      const missing = await request(t.url)
        .get(`/v1/companies/${randomUUID()}`)
        .set('authorization', `Bearer ${adminA}`);
      expect(read.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(read.body.detail).toBe(missing.body.detail);

      await request(t.url)
        .patch(`/v1/companies/${companyB}`)
        .set('authorization', `Bearer ${adminA}`)
        .send({ name: 'Taken over' })
        .expect(404);
      const { rows } = await t.db.query('SELECT name FROM companies WHERE id = $1', [companyB]);
      expect(rows[0].name).toBe('Globex');

      const own = await request(t.url)
        .patch(`/v1/companies/${companyA}`)
        .set('authorization', `Bearer ${adminA}`)
        .send({ name: 'Acme Ltd' })
        .expect(200);
      expect(own.body).toMatchObject({ id: companyA, name: 'Acme Ltd' });
    });

    it('ignores a tenant given in the query or a header', async () => {
      const agentA = await t.token({ companyId: companyA, roles: ['agent'] });
      const res = await request(t.url)
        .get(`/v1/me?company_id=${companyB}`)
        .set('authorization', `Bearer ${agentA}`)
        .set('x-company-id', companyB)
        .expect(200);
      expect(res.body.company_id).toBe(companyA);
    });
  });

  describe('bad input is a 4xx problem and changes nothing', () => {
    let admin: string;
    beforeAll(async () => {
      admin = await t.token({ companyId: companyA, roles: ['admin'] });
    });
    const pings = async (): Promise<number> =>
      Number((await t.db.query('SELECT count(*) FROM fixture_pings')).rows[0].count);

    it('malformed JSON → 400', async () => {
      const before = await pings();
      const res = await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .set('content-type', 'application/json')
        .send('{"note": "x",')
        .expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.type).toMatch(/malformed-json$/);
      expect(await pings()).toBe(before);
    });

    it('unknown fields → 400 naming the field', async () => {
      const res = await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .send({ note: 'x', company_id: companyB })
        .expect(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'company_id' })]),
      );
    });

    it('wrong types and missing fields → 400 with field errors', async () => {
      const res = await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .send({ note: 42, email: 'not-an-email' })
        .expect(400);
      const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['note', 'email']));
      await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .send([])
        .expect(400);
    });

    it('a 10 MB body → 413', async () => {
      const before = await pings();
      const res = await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ note: 'x'.repeat(10 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(await pings()).toBe(before);
    });

    it('an unsupported content type → 415', async () => {
      const res = await request(t.url)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${admin}`)
        .set('content-type', 'application/xml')
        .send('<note/>');
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    it('an unknown route → 404 problem', async () => {
      const res = await request(t.url).get('/v1/nowhere').set('authorization', `Bearer ${admin}`).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });
  });

  describe('correlation ids', () => {
    it('echoes a valid X-Request-Id and uses it as the correlation id of problems and logs', async () => {
      const res = await request(t.url).get('/v1/me').set('x-request-id', 'req-abc-123').expect(401);
      expect(res.headers['x-request-id']).toBe('req-abc-123');
      expect(res.body.correlation_id).toBe('req-abc-123');
      expect(
        t.logs.some((line) => line.correlation_id === 'req-abc-123' && line.operation === 'http.request'),
      ).toBe(true);
    });

    it('replaces an unsafe X-Request-Id with a generated one', async () => {
      const res = await request(t.url)
        .get('/health/live')
        .set('x-request-id', 'bad id\twith spaces')
        .expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('health and docs', () => {
    it('is live and ready without a token', async () => {
      await request(t.url).get('/health/live').expect(200);
      const ready = await request(t.url).get('/health/ready').expect(200);
      expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
    });

    it('serves the OpenAPI document', async () => {
      const res = await request(t.url).get('/docs-json').expect(200);
      expect(res.body.paths).toHaveProperty('/v1/me');
    });
  });

  describe('metrics', () => {
    it('are served on their own port, not on the API port', async () => {
      await request(t.url).get('/metrics').expect(404);
      const body = await t.metrics();
      expect(body).toContain('process_cpu_user_seconds_total');
      expect(body).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status_code="200"\} \d+/,
      );
      expect(body).toMatch(/bullmq_queue_jobs\{queue="domain-events",state="waiting"\}/);
      expect(body).toMatch(/outbox_lag_seconds \d/);
      expect(body).toMatch(/db_pool_connections\{state="total"\} \d/);
    });
  });
});
