import { randomUUID } from 'node:crypto';
import type { BaselineRoute, Scenario } from '../scenario';

const pick = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)];
const TICKET_COLUMNS = `id, company_id, ticket_number, customer_id, requester_name, requester_email, subject, description,
  category, department, needs_triage, priority, status, assignee_id, escalation_level, channel, tags, fields,
  first_response_at, resolved_at, closed_at, sla_policy, sla_state, sla_next_due_at, merged_into_id, created_at, updated_at`;
const SUBMIT = {
  subject: 'Router blinks red',
  description: 'No internet since the storm',
  category: 'connectivity',
};

/** Ticket submit (for a customer: contact lookup, SLA policy and targets, history, outbox) and the staff list. */
export const ticketScenarios: Scenario[] = [
  {
    name: 'POST /v1/tickets',
    service: ({ token, customerIds }) => ({
      method: 'POST',
      path: '/v1/tickets',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...SUBMIT, customer_id: pick(customerIds) }),
    }),
    baseline: ({ companyId, customerIds }) => ({
      method: 'POST',
      path: `/bare/${companyId}/tickets`,
      body: JSON.stringify({ ...SUBMIT, customer_id: pick(customerIds) }),
    }),
  },
  {
    name: 'GET /v1/tickets?status=open&limit=50',
    service: ({ token }) => ({
      method: 'GET',
      path: '/v1/tickets?status=open&limit=50',
      headers: { authorization: `Bearer ${token}` },
    }),
    baseline: ({ companyId }) => ({ method: 'GET', path: `/bare/${companyId}/tickets` }),
  },
];

/** The same statements the service runs, without policy choice, validation or the platform around them. */
export const ticketBaselineRoutes: BaselineRoute[] = [
  {
    method: 'POST',
    url: '/bare/:company/tickets',
    handler: async (pool, params, body) => {
      const input = body as typeof SUBMIT & { customer_id: string };
      const client = await pool.connect();
      try {
        const { rows: customer } = await client.query(
          'SELECT name, email, tags FROM customers WHERE company_id = $1 AND id = $2',
          [params.company, input.customer_id],
        );
        await client.query('BEGIN');
        await client.query('SET LOCAL synchronous_commit TO off');
        const day = new Date().toISOString().slice(0, 10);
        const { rows: counter } = await client.query<{ last_value: number }>(
          `INSERT INTO ticket_number_counters (company_id, day, last_value) VALUES ($1, $2, 1)
           ON CONFLICT (company_id, day) DO UPDATE SET last_value = ticket_number_counters.last_value + 1
           RETURNING last_value`,
          [params.company, day],
        );
        await client.query('COMMIT');
        await client.query('BEGIN');
        const number = `TKT-${day.replace(/-/g, '')}-${String(counter[0].last_value).padStart(5, '0')}`;
        const { rows } = await client.query(
          `INSERT INTO tickets (company_id, ticket_number, customer_id, requester_name, requester_email, subject,
                                description, category, priority, channel, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'normal', 'agent', now(), now()) RETURNING ${TICKET_COLUMNS}`,
          [
            params.company,
            number,
            input.customer_id,
            customer[0].name,
            customer[0].email,
            input.subject,
            input.description,
            input.category,
          ],
        );
        await client.query(
          `INSERT INTO ticket_sla_targets (company_id, ticket_id, kind, status, target_seconds, started_at, due_at, anchor_at)
           VALUES ($1, $2, 'first_response', 'active', 7200, now(), now() + interval '2 hours', now() + interval '2 hours'),
                  ($1, $2, 'resolution', 'active', 86400, now(), now() + interval '1 day', now() + interval '1 day')`,
          [params.company, rows[0].id],
        );
        await client.query(
          `UPDATE tickets SET sla_state = 'active', sla_next_due_at = now() + interval '2 hours',
                  next_escalation_at = now() + interval '2 hours' WHERE id = $1`,
          [rows[0].id],
        );
        await client.query(
          `INSERT INTO ticket_history (company_id, ticket_id, action, changes, occurred_at)
           VALUES ($1, $2, 'submitted', '{}', now())`,
          [params.company, rows[0].id],
        );
        await client.query(
          `INSERT INTO outbox_events (event_id, type, company_id, customer_id, metadata, occurred_at)
           VALUES ($1, 'BenchTicketSubmitted', $2, $3, $4, now())`,
          [randomUUID(), params.company, input.customer_id, JSON.stringify({ ticket_number: number })],
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
  {
    method: 'GET',
    url: '/bare/:company/tickets',
    handler: async (pool, params) => {
      const { rows } = await pool.query(
        `SELECT ${TICKET_COLUMNS} FROM tickets WHERE company_id = $1 AND status = 'open'
          ORDER BY created_at DESC, id DESC LIMIT 51`,
        [params.company],
      );
      return { data: rows.slice(0, 50), next_cursor: rows.length > 50 ? 'x' : null };
    },
  },
];
