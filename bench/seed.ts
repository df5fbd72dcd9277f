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

/** Tickets for the staff list: a company's history, 30% open, one a minute back from now. */
export const BENCH_LIST_TICKETS = Number(process.env.BENCH_LIST_TICKETS ?? 100_000);
const LIST_TICKET_PREFIX = 'TKT-LS-';

/**
 * Seeds the bench company (and a few neighbours) once; later runs reuse the data. Each volume is a
 * company of its own (`companyForVolume`), so a run can measure one beside another.
 */
export async function seedBenchData(
  pool: Pool,
  companyId: string,
  customers = BENCH_CUSTOMERS,
  tickets = BENCH_LIST_TICKETS,
): Promise<void> {
  await pool.query(`INSERT INTO companies (id, name) VALUES ($1, 'Bench Co') ON CONFLICT (id) DO NOTHING`, [
    companyId,
  ]);
  // Customers made by earlier runs' create scenario would change what list and search read.
  const removed = await pool.query(`DELETE FROM customers WHERE company_id = $1 AND source = 'api'`, [
    companyId,
  ]);
  if (removed.rowCount) await pool.query('VACUUM (ANALYZE) customers');
  // Tickets earlier runs' submit scenario made; the seeded history stays.
  await pool.query(`DELETE FROM tickets WHERE company_id = $1 AND ticket_number NOT LIKE $2`, [
    companyId,
    `${LIST_TICKET_PREFIX}%`,
  ]);
  await seedListTickets(pool, companyId, tickets);
  const [{ n }] = (
    await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE company_id = $1', [
      companyId,
    ])
  ).rows;
  if (n === customers) return;
  process.stderr.write(`bench: seeding ${customers} customers\n`);
  await pool.query('DELETE FROM customers WHERE company_id = $1', [companyId]);
  await copyCustomers(pool, companyId, customers, 1);
  for (let t = 0; t < OTHER_TENANTS; t += 1) {
    const other = `00000000-0000-4000-8000-${String(t + 1).padStart(12, '0')}`;
    const [{ others }] = (
      await pool.query<{ others: number }>(
        'SELECT count(*)::int AS others FROM customers WHERE company_id = $1',
        [other],
      )
    ).rows;
    if (others === OTHER_PER_TENANT) continue;
    process.stderr.write(`bench: seeding ${OTHER_PER_TENANT} customers for another tenant\n`);
    await pool.query('DELETE FROM customers WHERE company_id = $1', [other]);
    await copyCustomers(pool, other, OTHER_PER_TENANT, t + 100);
  }
  await pool.query('ANALYZE customers');
}

/**
 * The company's ticket history, written set-based once: `count` tickets, one a minute back from now, 30%
 * open and the rest closed, without SLA (nothing for the worker's scans to pick up).
 */
async function seedListTickets(pool: Pool, companyId: string, count: number): Promise<void> {
  const [{ n }] = (
    await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE company_id = $1', [
      companyId,
    ])
  ).rows;
  if (n === count) return;
  process.stderr.write(`bench: seeding ${count} tickets for the staff list\n`);
  await pool.query('DELETE FROM tickets WHERE company_id = $1', [companyId]);
  await pool.query(
    `INSERT INTO tickets (company_id, ticket_number, requester_name, subject, description, category, department,
                          priority, status, channel, created_at, updated_at)
     SELECT $1, $3 || lpad(i::text, 7, '0'), 'Bench', 'List bench ' || i, 'd', 'technical', 'technical',
            (ARRAY['low', 'normal', 'high', 'urgent'])[1 + i % 4], CASE WHEN i % 10 < 3 THEN 'open' ELSE 'closed' END,
            'web', now() - i * interval '1 minute', now() - i * interval '1 minute'
       FROM generate_series(1, $2::int) i`,
    [companyId, count, LIST_TICKET_PREFIX],
  );
  await pool.query('VACUUM (ANALYZE) tickets');
}

/** Ids to spread detail reads over. */
export async function sampleCustomerIds(pool: Pool, companyId: string, count = 1000): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM customers WHERE company_id = $1 AND deleted_at IS NULL ORDER BY customer_number LIMIT $2',
    [companyId, count],
  );
  return rows.map((row) => row.id);
}
