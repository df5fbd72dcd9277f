import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export const BENCH_CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
/** Other tenants' rows, so every query has to find its company's slice. */
const OTHER_TENANTS = 5;
const OTHER_PER_TENANT = 10_000;

const FIRST = [
  'Amina',
  'Brian',
  'Chen',
  'Diego',
  'Esther',
  'Fatima',
  'George',
  'Hana',
  'Ivan',
  'Joy',
  'Kofi',
  'Lena',
];
const LAST = [
  'Otieno',
  'Smith',
  'Kamau',
  'Garcia',
  'Wanjiru',
  'Nakamura',
  'Mensah',
  'Okafor',
  'Novak',
  'Silva',
];
const TAGS = ['vip', 'wholesale', 'retail', 'prepaid', 'postpaid'];

/** Deterministic pseudo-random numbers, so every run seeds the same data. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* customerRows(companyId: string, count: number, seed: number): Generator<string> {
  const random = mulberry32(seed);
  const now = Date.now();
  for (let i = 1; i <= count; i += 1) {
    const first = FIRST[Math.floor(random() * FIRST.length)];
    const last = LAST[Math.floor(random() * LAST.length)];
    const created = new Date(now - Math.floor(random() * 730 * 24 * 3600 * 1000)).toISOString();
    const tags = `{${TAGS.filter(() => random() < 0.2).join(',')}}`;
    const status = random() < 0.9 ? 'active' : random() < 0.5 ? 'inactive' : 'blocked';
    const phone = `+2547${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    yield (
      [
        companyId,
        `CUST-${String(i).padStart(6, '0')}`,
        `${first} ${last} ${i}`,
        `${first}.${last}${i}@example.com`.toLowerCase(),
        phone,
        'KES',
        tags,
        status,
        'import',
        created,
        created,
      ].join('\t') + '\n'
    );
  }
}

async function copyCustomers(pool: Pool, companyId: string, count: number, seed: number): Promise<void> {
  const client = await pool.connect();
  try {
    const copy = client.query(
      copyFrom(
        `COPY customers (company_id, customer_number, name, email, phone, currency, tags, status, source, created_at, updated_at) FROM STDIN`,
      ),
    );
    await pipeline(Readable.from(customerRows(companyId, count, seed)), copy);
    await client.query(
      `INSERT INTO customer_number_counters (company_id, last_value) VALUES ($1, $2)
       ON CONFLICT (company_id) DO UPDATE SET last_value = GREATEST(customer_number_counters.last_value, $2)`,
      [companyId, count],
    );
  } finally {
    client.release();
  }
}

/** Seeds the bench company (and a few neighbours) once; later runs reuse the data. */
export async function seedBenchData(pool: Pool, companyId: string): Promise<void> {
  await pool.query(`INSERT INTO companies (id, name) VALUES ($1, 'Bench Co') ON CONFLICT (id) DO NOTHING`, [
    companyId,
  ]);
  // Customers made by earlier runs' create scenario would change what list and search read.
  const removed = await pool.query(`DELETE FROM customers WHERE company_id = $1 AND source = 'api'`, [
    companyId,
  ]);
  if (removed.rowCount) await pool.query('VACUUM (ANALYZE) customers');
  // Tickets of earlier runs too: the list scenario reads what this run's create scenario made.
  await pool.query('DELETE FROM tickets WHERE company_id = $1', [companyId]);
  const [{ n }] = (
    await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE company_id = $1', [
      companyId,
    ])
  ).rows;
  if (n >= BENCH_CUSTOMERS) return;
  process.stderr.write(
    `bench: seeding ${BENCH_CUSTOMERS} customers (+${OTHER_TENANTS * OTHER_PER_TENANT} for other tenants)\n`,
  );
  await pool.query('DELETE FROM customers WHERE company_id = $1', [companyId]);
  await copyCustomers(pool, companyId, BENCH_CUSTOMERS, 1);
  for (let t = 0; t < OTHER_TENANTS; t += 1) {
    const other = `00000000-0000-4000-8000-${String(t + 1).padStart(12, '0')}`;
    await pool.query('DELETE FROM customers WHERE company_id = $1', [other]);
    await copyCustomers(pool, other, OTHER_PER_TENANT, t + 100);
  }
  await pool.query('ANALYZE customers');
}

/** Ids to spread detail reads over. */
export async function sampleCustomerIds(pool: Pool, companyId: string, count = 1000): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM customers WHERE company_id = $1 AND deleted_at IS NULL ORDER BY customer_number LIMIT $2',
    [companyId, count],
  );
  return rows.map((row) => row.id);
}
