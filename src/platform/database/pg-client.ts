import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

interface PostgresDriverLike {
  obtainMasterConnection(): Promise<[PoolClient, (destroy?: boolean) => void]>;
}

/**
 * Lends a raw `pg` client from TypeORM's pool for what TypeORM cannot do: COPY streams (pg-copy-streams)
 * in bulk imports and exports. The client goes back to the pool afterwards; a client whose connection
 * failed is destroyed instead, so the pool never hands out a broken one.
 */
export async function withPgClient<T>(
  dataSource: DataSource,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const driver = dataSource.driver as unknown as PostgresDriverLike;
  const [client, release] = await driver.obtainMasterConnection();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if ((error as { code?: string }).code === undefined) broken = true; // not a PostgreSQL error: the socket may be in any state
    throw error;
  } finally {
    client.off('error', onError);
    release(broken);
  }
}

/**
 * Borrows a raw `pg` client for work that outlives a function call (a COPY streamed to an HTTP client).
 * The caller must call `release` exactly once; `release(true)` destroys a client left mid-COPY.
 */
export async function borrowPgClient(
  dataSource: DataSource,
): Promise<{ client: PoolClient; release: (broken: boolean) => void }> {
  const driver = dataSource.driver as unknown as PostgresDriverLike;
  const [client, release] = await driver.obtainMasterConnection();
  let released = false;
  return {
    client,
    release: (broken) => {
      if (released) return;
      released = true;
      release(broken);
    },
  };
}
