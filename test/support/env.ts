/** Where the suite finds PostgreSQL and Redis: testcontainers' (TESTCONTAINERS=1) or this machine's. */
export const testEnv = {
  databaseUrl: (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  templateDatabase: (): string => process.env.CUSTOPS_TEST_TEMPLATE ?? 'custops_test_template',
};

export function databaseUrlFor(name: string): string {
  const url = new URL(testEnv.databaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
