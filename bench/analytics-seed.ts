/**
 * The support analytics bench's data: a company of its own with 100,000 tickets (BENCH_ANALYTICS_TICKETS;
 * another count is seeded into another company, BENCH_ANALYTICS_COMPANY_ID) spread evenly over a fixed 90-day range, each with its history (submit, route, assignment, first reply,
 * notes, resolutions, reopens, closes, escalations) and a rating for a third of the resolved ones. Written
 * set-based (INSERT … SELECT over generate_series), once; later runs reuse it.
 *
 * Run as a script (`node -r @swc-node/register bench/analytics-seed.ts`, DATABASE_URL set), it seeds and
 * prints `{"token": …}`, a token of this company for the bench service: the scenario runs it while setting up.
 */
import { Client } from 'pg';
import { mintToken } from '../src/platform/auth/tokens';

export const ANALYTICS_COMPANY_ID = 'b0000000-0000-4000-8000-0000000a7a15';
export const ANALYTICS_FROM = '2026-08-01T00:00:00Z';
export const ANALYTICS_TO = '2026-10-30T00:00:00Z';
export const ANALYTICS_TICKETS = Number(process.env.BENCH_ANALYTICS_TICKETS ?? 100_000);
/** The service's JWT_SECRET in bench/run.ts. */
const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/**
 * Ticket i: created at FROM + (i-1)·(90 days / TICKETS); first reply after (i·7919 mod 14,400) s (none
 * when i mod 50 = 7); resolved after 600 + (i·104,729 mod 172,800) s when i mod 100 < 85; reopened 1 h
 * later when i mod 20 = 0, resolved again 2 h after that unless i mod 100 = 80; closed a day after
 * resolving when i mod 3 = 1; escalated 2 h after creation when i mod 12 = 5; rated 2 h after resolving
 * when resolved and i mod 3 = 0.
 */
const PLAN = `
  CREATE TEMP TABLE analytics_plan AS
  SELECT i, created, created + (i * 7919 % 14400) * interval '1 second' AS responded,
         CASE WHEN i % 100 < 85 THEN created + (600 + i::bigint * 104729 % 172800) * interval '1 second' END AS resolved,
         i % 50 <> 7 AS answered, i % 20 = 0 AS reopened, i % 100 = 80 AS stays_open,
         i % 3 = 1 AS closes, i % 12 = 5 AS escalated,
         (ARRAY['billing', 'payments', 'technical', 'connectivity', 'account', 'other'])[1 + i % 6] AS category,
         (ARRAY['billing', 'billing', 'technical', 'technical', 'accounts', 'support'])[1 + i % 6] AS department,
         (ARRAY['low', 'normal', 'high', 'urgent'])[1 + (i / 6) % 4] AS priority,
         'agent-' || lpad((i * 7 % 40)::text, 2, '0') AS assignee,
         (ARRAY[5, 5, 4, 5, 3, 4, 5, 2, 5, 1])[1 + i * 7 % 10] AS rating
    FROM (SELECT i, $1::timestamptz + (i - 1) * ($2::float8 * interval '1 second') AS created
            FROM generate_series(1, $3::int) i) s`;

const TICKETS_SQL = `
  INSERT INTO tickets (company_id, ticket_number, requester_name, subject, description, category, department,
                       priority, status, assignee_id, escalation_level, channel, first_response_at, resolved_at,
                       closed_at, created_at, updated_at)
  SELECT $1, 'TKT-AN-' || lpad(i::text, 6, '0'), 'Bench', 'Analytics bench ' || i, 'd', category, department,
         priority,
         CASE WHEN resolved IS NULL OR stays_open THEN 'open' WHEN closes THEN 'closed' ELSE 'resolved' END,
         assignee, CASE WHEN escalated THEN 1 ELSE 0 END, 'web', CASE WHEN answered THEN responded END,
         CASE WHEN resolved IS NULL OR stays_open THEN NULL
              WHEN reopened THEN resolved + interval '3 hours' ELSE resolved END,
         CASE WHEN resolved IS NOT NULL AND NOT stays_open AND closes THEN resolved + interval '1 day' END,
         created, created
    FROM analytics_plan`;

const HISTORY_SQL = `
  INSERT INTO ticket_history (company_id, ticket_id, actor_id, action, changes, occurred_at)
  SELECT t.company_id, t.id, e.actor, e.action, e.changes, e.at
    FROM analytics_plan p
    JOIN tickets t ON t.company_id = $1 AND t.ticket_number = 'TKT-AN-' || lpad(p.i::text, 6, '0')
   CROSS JOIN LATERAL (VALUES
     (NULL, 'submitted', jsonb_build_object('category', p.category), p.created, true),
     (NULL, 'routed', jsonb_build_object('department', p.department), p.created, true),
     (p.assignee, 'assigned', jsonb_build_object('assignee_id', jsonb_build_object('after', p.assignee)), p.created, true),
     (p.assignee, 'comment_added', '{}'::jsonb, p.responded, p.answered),
     (p.assignee, 'note_added', '{}'::jsonb, p.created + interval '10 minutes', p.i % 4 = 0),
     (NULL, 'escalated', '{"escalation_level": {"before": 0, "after": 1}, "reason": "resolution_breached"}'::jsonb,
      p.created + interval '2 hours', p.escalated),
     (p.assignee, 'status_changed', '{"status": {"before": "open", "after": "resolved"}}'::jsonb, p.resolved,
      p.resolved IS NOT NULL),
     (p.assignee, 'status_changed', '{"status": {"before": "resolved", "after": "open"}}'::jsonb,
      p.resolved + interval '1 hour', p.resolved IS NOT NULL AND p.reopened),
     (p.assignee, 'status_changed', '{"status": {"before": "open", "after": "resolved"}}'::jsonb,
      p.resolved + interval '3 hours', p.resolved IS NOT NULL AND p.reopened AND NOT p.stays_open),
     (p.assignee, 'status_changed', '{"status": {"before": "resolved", "after": "closed"}}'::jsonb,
      p.resolved + interval '1 day', p.resolved IS NOT NULL AND NOT p.stays_open AND p.closes)
   ) e(actor, action, changes, at, happened)
   WHERE e.happened`;

const REQUESTS_SQL = `
  INSERT INTO ticket_resolution_requests (company_id, ticket_id, resolved_at, expires_at, used_at, outcome, created_at)
  SELECT t.company_id, t.id, p.resolved, p.resolved + interval '7 days', p.resolved + interval '2 hours',
         'confirmed', p.resolved
    FROM analytics_plan p
    JOIN tickets t ON t.company_id = $1 AND t.ticket_number = 'TKT-AN-' || lpad(p.i::text, 6, '0')
   WHERE p.resolved IS NOT NULL AND p.i % 3 = 0`;

const CSAT_SQL = `
  INSERT INTO ticket_csat (company_id, ticket_id, request_id, rating, agent_id, department, category, priority, rated_at)
  SELECT r.company_id, r.ticket_id, r.id, p.rating, t.assignee_id, t.department, t.category, t.priority, r.used_at
    FROM ticket_resolution_requests r
    JOIN tickets t ON t.id = r.ticket_id
    JOIN analytics_plan p ON 'TKT-AN-' || lpad(p.i::text, 6, '0') = t.ticket_number
   WHERE r.company_id = $1`;

/** Seeds the analytics company unless a complete earlier seed is there. */
export async function seedAnalyticsBench(
  client: Client,
  tickets = ANALYTICS_TICKETS,
  companyId = ANALYTICS_COMPANY_ID,
): Promise<void> {
  await client.query(
    `INSERT INTO companies (id, name) VALUES ($1, 'Analytics bench') ON CONFLICT (id) DO NOTHING`,
    [companyId],
  );
  const { rows } = await client.query<{ tickets: number; ratings: number }>(
    `SELECT (SELECT count(*)::int FROM tickets WHERE company_id = $1) AS tickets,
            (SELECT count(*)::int FROM ticket_csat WHERE company_id = $1) AS ratings`,
    [companyId],
  );
  if (rows[0].tickets === tickets && rows[0].ratings > 0) return;
  process.stderr.write(`bench: seeding ${tickets} tickets over 90 days for support analytics\n`);
  const started = performance.now();
  await client.query('BEGIN');
  await client.query('DELETE FROM tickets WHERE company_id = $1', [companyId]);
  const spacingSeconds =
    (new Date(ANALYTICS_TO).getTime() - new Date(ANALYTICS_FROM).getTime()) / 1000 / tickets;
  await client.query(PLAN, [ANALYTICS_FROM, spacingSeconds, tickets]);
  await client.query('CREATE INDEX ON analytics_plan (i)');
  await client.query('ANALYZE analytics_plan');
  await client.query(TICKETS_SQL, [companyId]);
  // The joins below look the new tickets up by number: without fresh statistics (the tickets table's may
  // say this company has none, e.g. after other benches seeded theirs) the planner nests a loop over every
  // plan row for every ticket, and the seed runs for hours instead of seconds.
  await client.query('ANALYZE tickets');
  await client.query(HISTORY_SQL, [companyId]);
  await client.query(REQUESTS_SQL, [companyId]);
  await client.query(CSAT_SQL, [companyId]);
  await client.query('DROP TABLE analytics_plan');
  await client.query('COMMIT');
  for (const table of ['tickets', 'ticket_history', 'ticket_resolution_requests', 'ticket_csat']) {
    await client.query(`VACUUM (ANALYZE) ${table}`);
  }
  process.stderr.write(`bench: analytics seed written in ${Math.round(performance.now() - started)} ms\n`);
}

async function main(): Promise<void> {
  const companyId = process.env.BENCH_ANALYTICS_COMPANY_ID ?? ANALYTICS_COMPANY_ID;
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await seedAnalyticsBench(client, ANALYTICS_TICKETS, companyId);
  } finally {
    await client.end();
  }
  const token = await mintToken(BENCH_JWT_SECRET, {
    companyId,
    roles: ['manager'],
    ttlSeconds: 24 * 3600,
  });
  process.stdout.write(`${JSON.stringify({ token })}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
