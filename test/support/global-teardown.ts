import { Client } from 'pg';
import { databaseUrlFor, testEnv } from './env';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: databaseUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${testEnv.templateDatabase()} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const containers = (globalThis as Record<string, unknown>).__CUSTOPS_CONTAINERS__ as
    Array<{ stop(): Promise<unknown> }> | undefined;
  await Promise.all((containers ?? []).map((container) => container.stop()));
}
