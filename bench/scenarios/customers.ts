import { randomUUID } from 'node:crypto';
import type { BaselineRoute, Scenario } from '../scenario';

const COLUMNS = `id, company_id, customer_number, name, email, phone, currency, billing_address, tags, metadata, status,
  source, created_at, updated_at, deleted_at, anonymized_at`;
const SEARCH = `lower(name || ' ' || coalesce(email::text, '') || ' ' || coalesce(phone, '') || ' ' || customer_number)`;
export const SEARCH_TERM = 'kamau 12';

const pick = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)];

export const customerScenarios: Scenario[] = [
  {
    name: 'GET /v1/customers/:id',
    seedTargetP95Ms: 800,
    service: ({ token, customerIds }) => ({
      method: 'GET',
      path: () => `/v1/customers/${pick(customerIds)}`,
      headers: { authorization: `Bearer ${token}` },
    }),
    baseline: ({ companyId, customerIds }) => ({
      method: 'GET',
      path: () => `/bare/${companyId}/customers/${pick(customerIds)}`,
    }),
  },
  {
    name: 'GET /v1/customers?limit=50',
    seedTargetP95Ms: 1200,
    service: ({ token }) => ({
      method: 'GET',
      path: '/v1/customers?limit=50',
      headers: { authorization: `Bearer ${token}` },
    }),
    baseline: ({ companyId }) => ({ method: 'GET', path: `/bare/${companyId}/customers` }),
  },
  {
    name: `GET /v1/customers?q=${SEARCH_TERM}&limit=50`,
    seedTargetP95Ms: 1200,
    service: ({ token }) => ({
      method: 'GET',
      path: `/v1/customers?limit=50&q=${encodeURIComponent(SEARCH_TERM)}`,
      headers: { authorization: `Bearer ${token}` },
    }),
    baseline: ({ companyId }) => ({
      method: 'GET',
      path: `/bare/${companyId}/customers?q=${encodeURIComponent(SEARCH_TERM)}`,
    }),
  },
  {
    name: 'POST /v1/customers',
    seedTargetP95Ms: 1000,
    service: ({ token }) => ({
      method: 'POST',
      path: '/v1/customers',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: 'Bench Create',
        email: 'bench@create.test',
        currency: 'KES',
        tags: ['bench'],
      }),
    }),
    baseline: ({ companyId }) => ({
      method: 'POST',
      path: `/bare/${companyId}/customers`,
      body: JSON.stringify({
        name: 'Bench Create',
        email: 'bench@create.test',
        currency: 'KES',
        tags: ['bench'],
      }),
    }),
  },
];

/** The same SQL the service runs for each scenario, without the service around it. */
export const customerBaselineRoutes: BaselineRoute[] = [
  {
    method: 'GET',
    url: '/bare/:company/customers/:id',
    handler: async (pool, params) => {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM customers WHERE company_id = $1 AND id = $2 AND deleted_at IS NULL`,
        [params.company, params.id],
      );
      return rows[0] ?? null;
    },
  },
  {
    method: 'GET',
    url: '/bare/:company/customers',
    handler: async (pool, params, _body, query) => {
      const search = query.q ? `AND ${SEARCH} LIKE $2` : '';
      const values = query.q ? [params.company, `%${query.q.toLowerCase()}%`] : [params.company];
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM customers WHERE company_id = $1 AND deleted_at IS NULL ${search}
          ORDER BY created_at DESC, id DESC LIMIT 51`,
        values,
      );
      return { data: rows.slice(0, 50), next_cursor: rows.length > 50 ? 'x' : null };
    },
  },
  {
    method: 'POST',
    url: '/bare/:company/customers',
    handler: async (pool, params, body) => {
      const input = body as { name: string; email: string; currency: string; tags: string[] };
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL synchronous_commit TO off');
        const { rows: counter } = await client.query<{ last_value: string }>(
          `INSERT INTO customer_number_counters (company_id, last_value) VALUES ($1, 1)
           ON CONFLICT (company_id) DO UPDATE SET last_value = customer_number_counters.last_value + 1 RETURNING last_value`,
          [params.company],
        );
        await client.query('COMMIT');
        await client.query('BEGIN');
        const { rows } = await client.query(
          `INSERT INTO customers (company_id, customer_number, name, email, currency, tags, metadata, status, source, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, '{}', 'active', 'api', now(), now()) RETURNING ${COLUMNS}`,
          [
            params.company,
            `CUST-${counter[0].last_value.padStart(6, '0')}`,
            input.name,
            input.email,
            input.currency,
            input.tags,
          ],
        );
        await client.query(
          `INSERT INTO customer_audit_log (company_id, customer_id, entity_type, entity_id, action, actor_user_id, changes, occurred_at)
           VALUES ($1, $2, 'customer', $2, 'created', 'bench', $3, now())`,
          [params.company, rows[0].id, JSON.stringify({ name: { after: input.name } })],
        );
        await client.query(
          `INSERT INTO outbox_events (event_id, type, company_id, customer_id, metadata, occurred_at)
           VALUES ($1, 'CustomerCreated', $2, $3, $4, now())`,
          [
            randomUUID(),
            params.company,
            rows[0].id,
            JSON.stringify({ customer_number: rows[0].customer_number }),
          ],
        );
        await client.query('COMMIT');
        return rows[0];
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  },
];
