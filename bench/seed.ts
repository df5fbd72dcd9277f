import type { Pool } from 'pg';

/** The data every scenario reads: the bench company (modules add their own seeding here). */
export async function seedBenchData(pool: Pool, companyId: string): Promise<void> {
  await pool.query(`INSERT INTO companies (id, name) VALUES ($1, 'Bench Co') ON CONFLICT (id) DO NOTHING`, [
    companyId,
  ]);
}
