/**
 * The scheduled SLA scan over a large open backlog: 100,000 open tickets (BENCH_TICKETS) with two
 * targets each, of which 10% have a breached first response and a level-1 escalation due. Times the
 * real SlaScanner (breaches, escalations, history, SLA events, outbox events) against a bare baseline
 * doing only the two UPDATEs, and the idle scan (nothing due), which is what most ticks are.
 */
import { DataSource } from 'typeorm';
import type { PinoLogger } from 'nestjs-pino';
import { SlaScanner } from '../src/modules/tickets/sla/sla-scanner';
import { TicketSlaRepository } from '../src/modules/tickets/sla/ticket-sla.repository';
import type { AppConfig } from '../src/platform/config/app-config';
import { SystemClock } from '../src/platform/clock/clock';
import { EventBus } from '../src/platform/events/event-bus';
import type { TaskScheduler } from '../src/platform/scheduling/task-scheduler';
import { companyForVolume, count, type Figure } from './figures';

export const ESCALATION_COMPANY_ID = 'b0000000-0000-4000-8000-0000000e5ca1';
const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);

/** Where the targets and escalations not due are parked: far enough that no later bench's worker finds them due. */
const NOT_DUE = "now() + interval '10 years'";

export interface EscalationResult {
  open_tickets: number;
  due_per_round: number;
  scan_ms: number;
  baseline_ms: number;
  ratio: number;
  idle_scan_ms: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function seed(db: DataSource, companyId: string, tickets: number): Promise<void> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM tickets WHERE company_id = $1`, [companyId]);
  if (n === tickets) return;
  process.stderr.write(`bench: seeding ${tickets} open tickets for the escalation scan\n`);
  await db.query(`DELETE FROM tickets WHERE company_id = $1`, [companyId]);
  await db.query(
    `INSERT INTO tickets (company_id, ticket_number, requester_name, subject, description, category, department,
                          priority, status, channel, sla_state, created_at, updated_at)
     SELECT $1, 'TKT-20260101-' || lpad(i::text, 6, '0'), 'Bench', 'Bench ticket ' || i, 'd', 'technical', 'technical',
            (ARRAY['low', 'normal', 'high', 'urgent'])[1 + i % 4], 'open', 'web', 'active', now(), now()
       FROM generate_series(1, $2) i`,
    [companyId, tickets],
  );
  await db.query(
    `INSERT INTO ticket_sla_targets (company_id, ticket_id, kind, status, target_seconds, started_at, due_at, anchor_at)
     SELECT company_id, id, kind, 'active', 7200, now(), ${NOT_DUE}, ${NOT_DUE}
       FROM tickets CROSS JOIN (VALUES ('first_response'), ('resolution')) k(kind) WHERE company_id = $1`,
    [companyId],
  );
  await db.query('ANALYZE tickets');
  await db.query('ANALYZE ticket_sla_targets');
}

/** Every tenth ticket: first response 10 minutes overdue, level 1 due now, levels 2 and 3 later. */
async function makeDue(db: DataSource, companyId: string, tickets: number): Promise<number> {
  await db.query(
    `UPDATE tickets SET escalation_level = 0,
            escalation_plan = CASE WHEN right(ticket_number, 1) = '0' THEN jsonb_build_array(
                jsonb_build_object('level', 1, 'at', now() - interval '10 minutes', 'reason', 'first_response_breached',
                                   'notify_role', 'team_lead', 'notify_customer', false),
                jsonb_build_object('level', 2, 'at', now() + interval '1 hour', 'reason', 'first_response_breached',
                                   'notify_role', 'manager', 'notify_customer', false))
              ELSE jsonb_build_array(jsonb_build_object('level', 1, 'at', ${NOT_DUE},
                   'reason', 'first_response_breached', 'notify_role', 'team_lead', 'notify_customer', false)) END,
            next_escalation_at = CASE WHEN right(ticket_number, 1) = '0' THEN now() - interval '10 minutes'
                                      ELSE ${NOT_DUE} END
      WHERE company_id = $1`,
    [companyId],
  );
  await db.query(
    `UPDATE ticket_sla_targets s SET status = 'active', breached_at = NULL,
            due_at = CASE WHEN right(t.ticket_number, 1) = '0' AND s.kind = 'first_response'
                          THEN now() - interval '10 minutes' ELSE ${NOT_DUE} END
       FROM tickets t WHERE t.id = s.ticket_id AND t.company_id = $1`,
    [companyId],
  );
  await clearTrail(db, companyId);
  await db.query('VACUUM (ANALYZE) tickets');
  await db.query('VACUUM (ANALYZE) ticket_sla_targets');
  return tickets / 10;
}

/** History, SLA events and outbox rows a round wrote (no relay runs during this bench). */
async function clearTrail(db: DataSource, companyId: string): Promise<void> {
  await db.query(`DELETE FROM ticket_history WHERE company_id = $1`, [companyId]);
  await db.query(`DELETE FROM ticket_sla_events WHERE company_id = $1`, [companyId]);
  await db.query(`DELETE FROM outbox_events WHERE company_id = $1`, [companyId]);
}

async function bareScan(db: DataSource): Promise<void> {
  await db.query(
    `UPDATE ticket_sla_targets SET status = 'missed', breached_at = due_at WHERE status = 'active' AND due_at <= now()`,
  );
  await db.query(
    `UPDATE tickets SET escalation_level = 1, next_escalation_at = NULL
      WHERE next_escalation_at <= now() AND status IN ('new', 'open', 'on_hold')`,
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function measureEscalationScan(
  databaseUrl: string,
  rounds: number,
  tickets = TICKETS,
): Promise<EscalationResult> {
  const companyId = companyForVolume(ESCALATION_COMPANY_ID, tickets, TICKETS);
  const db = await new DataSource({ type: 'postgres', url: databaseUrl, extra: { max: 4 } }).initialize();
  try {
    await db.query(
      `INSERT INTO companies (id, name) VALUES ($1, 'Escalation bench') ON CONFLICT (id) DO NOTHING`,
      [companyId],
    );
    await seed(db, companyId, tickets);
    const logger = { setContext: () => undefined, info: () => undefined } as unknown as PinoLogger;
    const scheduler = { register: () => undefined } as unknown as TaskScheduler;
    const config = { TICKET_SLA_SCAN_INTERVAL_MS: 60_000 } as AppConfig;
    const clock = new SystemClock();
    const scanner = new SlaScanner(
      new TicketSlaRepository(db),
      new EventBus(clock),
      clock,
      logger,
      scheduler,
      config,
    );
    const scans: number[] = [];
    const bare: number[] = [];
    const idle: number[] = [];
    let due = 0;
    for (let round = 0; round < rounds; round += 1) {
      due = await makeDue(db, companyId, tickets);
      let result = { breached: 0, escalated: 0 };
      scans.push(await timed(async () => (result = await scanner.scan())));
      if (result.breached !== due || result.escalated !== due) {
        throw new Error(`scan applied ${JSON.stringify(result)}, expected ${due} of each`);
      }
      idle.push(await timed(() => scanner.scan()));
      await makeDue(db, companyId, tickets);
      bare.push(await timed(() => bareScan(db)));
    }
    await clearTrail(db, companyId);
    const [scan_ms, baseline_ms] = [median(scans), median(bare)];
    return {
      open_tickets: tickets,
      due_per_round: due,
      scan_ms,
      baseline_ms,
      ratio: scan_ms / baseline_ms,
      idle_scan_ms: median(idle),
    };
  } finally {
    await db.destroy();
  }
}

/** The report's rows: the scan with work due beside the two bare UPDATEs, and the idle scan. */
export function escalationFigures(r: EscalationResult): Figure[] {
  const volume = `${count(r.open_tickets)} open tickets`;
  return [
    {
      module: 'tickets',
      scenario: 'SLA/escalation scan, 10% due (breaches, escalations, history, events)',
      measure: 'median ms (bare: two UPDATEs)',
      volume,
      service: r.scan_ms,
      baseline: r.baseline_ms,
      work: 'volume',
      target: null,
      met: null,
    },
    {
      module: 'tickets',
      scenario: 'SLA/escalation scan, nothing due',
      measure: 'median ms',
      volume,
      service: r.idle_scan_ms,
      baseline: null,
      work: 'fixed',
      target: null,
      met: null,
    },
  ];
}
