import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { mintToken } from '../src/platform/auth/tokens';
import { startTestApp, TEST_JWT_SECRET } from './support/app';
import { connect, createTestDatabase } from './support/database';
import { FixtureModule } from './support/fixture.module';
import { freePort, serviceEnv, spawnService, startRedisServer, stop } from './support/processes';
import { waitFor } from './support/wait';

const deliveredCount = async (databaseUrl: string, eventId: string): Promise<number | undefined> => {
  const db = await connect(databaseUrl);
  try {
    const { rows } = await db.query('SELECT deliveries FROM fixture_deliveries WHERE event_id = $1', [
      eventId,
    ]);
    return rows[0]?.deliveries as number | undefined;
  } catch {
    return undefined;
  } finally {
    await db.end();
  }
};

// These tests start whole service processes: on a loaded CI machine a start can take a minute.
jest.setTimeout(180_000);

describe('Nothing committed is lost', () => {
  it('commits a publish while Redis is down and delivers it once Redis is back', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    const t = await startTestApp({
      extraModules: [FixtureModule],
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    try {
      const token = await t.token({ roles: ['agent'] });
      const ping = (note: string) =>
        request(t.url).post('/v1/fixtures/pings').set('authorization', `Bearer ${token}`).send({ note });

      const before = await ping('before the outage').expect(201);
      await waitFor(() => deliveredCount(t.databaseUrl, before.body.event_id), {
        what: 'delivery before outage',
      });

      await stop(redis, 'SIGKILL');
      const during = await ping('during the outage').expect(201);
      const eventId = during.body.event_id as string;
      const pending = await t.db.query('SELECT dispatched_at FROM outbox_events WHERE event_id = $1', [
        eventId,
      ]);
      expect(pending.rows).toHaveLength(1);
      // The relay keeps failing while Redis is away, and the event stays pending.
      await waitFor(
        async () =>
          (
            await t.db.query('SELECT attempts, dispatched_at FROM outbox_events WHERE event_id = $1', [
              eventId,
            ])
          ).rows[0].dispatched_at === null && /outbox_relay_failures_total [1-9]/.test(await t.metrics()),
        { what: 'relay failing while Redis is down' },
      );

      redis = await startRedisServer(port);
      const delivered = await waitFor(() => deliveredCount(t.databaseUrl, eventId), {
        what: 'delivery after Redis returned',
        timeoutMs: 30_000,
      });
      expect(delivered).toBe(1);
    } finally {
      await t.close();
      await stop(redis, 'SIGKILL');
    }
  });

  it('delivers an event committed by a process killed with SIGKILL before dispatch, after restart', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const env = serviceEnv(database.url, { PORT: String(port), LOG_LEVEL: 'warn' });
    // An api-role process commits but never dispatches: the relay belongs to the worker role.
    const api = spawnService('fixture', { ...env, APP_ROLE: 'api' });
    let worker: ReturnType<typeof spawnService> | undefined;
    try {
      await api.waitForLine((line) => line.message === 'fixture-ready', 'api ready');
      const token = await mintToken(TEST_JWT_SECRET, { companyId: randomUUID(), roles: ['agent'] });
      const res = await request(`http://127.0.0.1:${port}`)
        .post('/v1/fixtures/pings')
        .set('authorization', `Bearer ${token}`)
        .send({ note: 'survives a crash' })
        .expect(201);
      await stop(api.child, 'SIGKILL');
      const eventId = res.body.event_id as string;
      expect(await deliveredCount(database.url, eventId)).toBeUndefined();

      worker = spawnService('fixture', { ...env, APP_ROLE: 'worker', PORT: '0' });
      const delivered = await waitFor(() => deliveredCount(database.url, eventId), {
        what: 'delivery by the restarted worker',
        timeoutMs: 30_000,
      });
      expect(delivered).toBe(1);
    } finally {
      await stop(api.child, 'SIGKILL');
      if (worker) await stop(worker.child, 'SIGKILL');
      await database.drop();
    }
  });
});

describe('Scheduled tasks across replicas, and graceful shutdown', () => {
  it('runs each tick once across two worker processes, which then exit 0 on SIGTERM', async () => {
    const database = await createTestDatabase();
    const env = serviceEnv(database.url, { APP_ROLE: 'worker', OUTBOX_PRUNE_INTERVAL_MS: '400' });
    const workers = [spawnService('main', env), spawnService('main', env)];
    try {
      const runs = () =>
        workers.flatMap((worker) =>
          worker.lines.filter((line) => line.operation === 'schedule.run' && line.task === 'outbox.prune'),
        );
      await waitFor(() => runs().length >= 8, { what: '8 ticks', timeoutMs: 90_000 });

      const perTick = new Map<string, number>();
      for (const run of runs())
        perTick.set(run.tick_at as string, (perTick.get(run.tick_at as string) ?? 0) + 1);
      expect([...perTick.values()].every((count) => count === 1)).toBe(true);
      expect(perTick.size).toBe(runs().length);

      const codes = await Promise.all(
        workers.map(async (worker) => {
          worker.child.kill('SIGTERM');
          return worker.exited;
        }),
      );
      expect(codes).toEqual([0, 0]);
    } finally {
      await Promise.all(workers.map((worker) => stop(worker.child, 'SIGKILL')));
      await database.drop();
    }
  });
});
