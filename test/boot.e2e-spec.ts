import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import request from 'supertest';
import { mintToken } from '../src/platform/auth/tokens';
import { startTestApp, TEST_JWT_SECRET } from './support/app';
import { databaseUrlFor } from './support/env';
import { connect } from './support/database';
import { freePort, serviceEnv, spawnService, stop } from './support/processes';
import { waitFor } from './support/wait';

// These tests start whole service processes: on a loaded CI machine a start can take a minute.
jest.setTimeout(180_000);

describe('Starting and stopping the service as a new user would', () => {
  it('creates its database, migrates, becomes ready, traces requests into logs, and exits 0 on SIGTERM', async () => {
    const name = `custops_boot_${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const service = spawnService('main', serviceEnv(databaseUrlFor(name), { PORT: String(port) }));
    try {
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
        // Not a timing goal (start-up time is measured by the bench): only how long to wait on a busy CI machine.
        { timeoutMs: 90_000, what: '/health/ready 200' },
      );

      const token = await mintToken(TEST_JWT_SECRET, { companyId: randomUUID(), roles: ['viewer'] });
      await request(`http://127.0.0.1:${port}`)
        .get('/v1/me')
        .set('authorization', `Bearer ${token}`)
        .set('x-request-id', 'boot-trace-1')
        .expect(200);
      const line = await service.waitForLine(
        (entry) => entry.correlation_id === 'boot-trace-1' && entry.operation === 'http.request',
        'request log line',
      );
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);

      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    } finally {
      await stop(service.child, 'SIGKILL');
      const admin = await connect(databaseUrlFor('postgres'));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
    }
  });

  it('refuses a bad setting with one clear line naming it, and exit code 1', async () => {
    const service = spawnService('main', { PORT: 'eighty', DATABASE_URL: databaseUrlFor('nope') });
    expect(await service.exited).toBe(1);
    const stderr = service.stderr.join('').trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Invalid configuration: PORT: /);
  });
});

describe('Tokens from an external identity provider (JWKS)', () => {
  let jwks: Server;
  let jwksUrl: string;
  let providerKey: KeyLike;
  let strangerKey: KeyLike;

  beforeAll(async () => {
    const provider = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    providerKey = provider.privateKey;
    strangerKey = stranger.privateKey;
    const jwk = { ...(await exportJWK(provider.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => jwks.close(resolve)));

  it('accepts RS256 tokens signed by the provider and refuses others', async () => {
    const t = await startTestApp({ env: { JWT_JWKS_URL: jwksUrl, JWT_ISSUER: 'https://idp.test' } });
    try {
      const companyId = randomUUID();
      const sign = (key: KeyLike, issuer = 'https://idp.test') =>
        new SignJWT({ company_id: companyId, roles: ['manager'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('idp-user-1')
          .setIssuer(issuer)
          .setExpirationTime('5m')
          .sign(key);
      const ok = await request(t.url)
        .get('/v1/me')
        .set('authorization', `Bearer ${await sign(providerKey)}`)
        .expect(200);
      expect(ok.body).toMatchObject({ user_id: 'idp-user-1', company_id: companyId, roles: ['manager'] });
      await request(t.url)
        .get('/v1/me')
        .set('authorization', `Bearer ${await sign(strangerKey)}`)
        .expect(401);
      await request(t.url)
        .get('/v1/me')
        .set('authorization', `Bearer ${await sign(providerKey, 'https://evil.test')}`)
        .expect(401);
    } finally {
      await t.close();
    }
  });
});

describe('Rate limiting', () => {
  it('answers 429 problem+json past the limit, per user of a tenant', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_MS: '60000' } });
    try {
      const companyId = randomUUID();
      const first = await t.token({ companyId, userId: 'u1' });
      const second = await t.token({ companyId, userId: 'u2' });
      for (let i = 0; i < 3; i += 1) {
        await request(t.url).get('/v1/me').set('authorization', `Bearer ${first}`).expect(200);
      }
      const limited = await request(t.url).get('/v1/me').set('authorization', `Bearer ${first}`).expect(429);
      expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(limited.body.type).toMatch(/rate-limited$/);
      await request(t.url).get('/v1/me').set('authorization', `Bearer ${second}`).expect(200);
      // Health checks are never limited.
      for (let i = 0; i < 5; i += 1) await request(t.url).get('/health/live').expect(200);
    } finally {
      await t.close();
    }
  });
});
