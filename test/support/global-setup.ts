import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrlFor, testEnv } from './env';

/**
 * Once per run: (optionally) start PostgreSQL and Redis in containers, then build a migrated template
 * database that every test file clones (CREATE DATABASE … TEMPLATE is fast).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TESTCONTAINERS === '1') await startContainers();
  const template = `custops_test_tpl_${process.pid}`;
  process.env.CUSTOPS_TEST_TEMPLATE = template;
  const admin = new Client({ connectionString: databaseUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'cli.js'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrlFor(template), NODE_ENV: 'test' },
    stdio: 'pipe',
  });
  void testEnv;
}

async function startContainers(): Promise<void> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const postgres = await new PostgreSqlContainer('postgres:15-alpine').withUsername('postgres').start();
  const redis = await new RedisContainer('redis:7-alpine').start();
  process.env.DATABASE_URL = postgres.getConnectionUri();
  process.env.REDIS_URL = redis.getConnectionUrl();
  (globalThis as Record<string, unknown>).__CUSTOPS_CONTAINERS__ = [postgres, redis];
}
