import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from 'pg';
import { createApp } from '../../src/bootstrap';
import type { Clock } from '../../src/platform/clock/clock';
import type { Role } from '../../src/platform/auth/principal';
import { mintToken } from '../../src/platform/auth/tokens';
import { AppConfig, loadConfig } from '../../src/platform/config/app-config';
import { MetricsServer } from '../../src/platform/metrics/metrics-server';
import { connect, createTestDatabase } from './database';
import { testEnv } from './env';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Base URL of the listening API, for supertest. */
  url: string;
  metricsUrl: string;
  databaseUrl: string;
  /** Direct database access for assertions. */
  db: Client;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  token(options?: {
    companyId?: string;
    roles?: Role[];
    userId?: string;
    customerId?: string;
  }): Promise<string>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  extraModules?: Array<Type | DynamicModule>;
  /** Reuse a database (several app instances on one database); a fresh one otherwise. */
  databaseUrl?: string;
  /** A clock the test moves (see ManualClock); the system clock otherwise. */
  clock?: Clock;
}

/** Boots the real application on its own database and Redis key prefix, listening on a free port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: testEnv.redisUrl(),
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'debug',
    OUTBOX_POLL_INTERVAL_MS: '100',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const logStream = {
    write(line: string): void {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ unparsed: line });
      }
    },
  };
  const app = await createApp({
    config,
    logStream,
    extraModules: options.extraModules,
    clock: options.clock,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const db = await connect(databaseUrl);
  const metricsPort = app.get(MetricsServer).port;
  const url = await app.getUrl();
  return {
    app,
    config,
    url: url.replace('[::1]', '127.0.0.1'),
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    databaseUrl,
    db,
    logs,
    token: ({ companyId = randomUUID(), roles = ['admin'] as Role[], userId, customerId } = {}) =>
      mintToken(TEST_JWT_SECRET, { companyId, roles, userId, customerId }),
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    close: async () => {
      await app.close();
      await db.end();
      await database?.drop();
    },
  };
}
