import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { BusinessCalendar } from './business-calendar';
import type { EscalationRule, PlannedEscalation } from './escalation-plan';
import type { SlaEvent, SlaState, SlaTarget } from './sla-clock';
import type { SlaPolicy } from './sla-policy';

export interface NamedCalendar extends BusinessCalendar {
  name: string;
}

/** A ticket escalated by the scan, with what its notifications need. */
export interface EscalatedTicket {
  id: string;
  company_id: string;
  customer_id: string | null;
  ticket_number: string;
  subject: string;
  department: string | null;
  priority: string;
  assignee_id: string | null;
  from_level: number;
  step: PlannedEscalation;
}

/** A target the scan found past its deadline. */
export interface BreachedTarget {
  company_id: string;
  ticket_id: string;
  kind: string;
  due_at: Date;
  ticket_number: string;
  customer_id: string | null;
  department: string | null;
  priority: string;
}

const TARGET_COLUMNS = `id::text, kind, status, target_seconds, consumed_seconds, started_at, due_at, anchor_at, paused_at,
  breached_at, fulfilled_at`;

/** SLA configuration, the targets and events of tickets, and the set-based breach and escalation scans. */
@Injectable()
export class TicketSlaRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  calendars(companyId: string): Promise<NamedCalendar[]> {
    return this.dataSource.query(
      `SELECT name, time_zone AS "timeZone", week, holidays FROM ticket_calendars WHERE company_id = $1 ORDER BY name`,
      [companyId],
    );
  }

  async putCalendar(companyId: string, calendar: NamedCalendar): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ticket_calendars (company_id, name, time_zone, week, holidays) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (company_id, name) DO UPDATE
         SET time_zone = EXCLUDED.time_zone, week = EXCLUDED.week, holidays = EXCLUDED.holidays, updated_at = now()`,
      [companyId, calendar.name, calendar.timeZone, JSON.stringify(calendar.week), calendar.holidays],
    );
  }

  /** The company's policies in order, each with its calendar resolved. */
  async policies(companyId: string): Promise<SlaPolicy[]> {
    return (await this.setup(companyId, this.dataSource.manager)).policies;
  }

  /** Policies (calendars resolved) and escalation rules together: what submitting a ticket needs, in one query. */
  async setup(
    companyId: string,
    manager: EntityManager,
  ): Promise<{ policies: SlaPolicy[]; rules: EscalationRule[] }> {
    const [row] = await manager.query<Array<{ policies: SlaPolicy[]; rules: EscalationRule[] }>>(
      `SELECT
         (SELECT coalesce(jsonb_agg(jsonb_build_object('name', p.name, 'conditions', p.conditions, 'fallback', p.fallback,
                   'first_response_minutes', p.first_response_minutes, 'next_response_minutes', p.next_response_minutes,
                   'resolution_minutes', p.resolution_minutes, 'calendar_name', p.calendar_name,
                   'calendar', CASE WHEN c.name IS NULL THEN NULL ELSE jsonb_build_object('timeZone', c.time_zone,
                                'week', c.week, 'holidays', to_jsonb(c.holidays)) END) ORDER BY p.position), '[]')
            FROM ticket_sla_policies p
            LEFT JOIN ticket_calendars c ON c.company_id = p.company_id AND c.name = p.calendar_name
           WHERE p.company_id = $1) AS policies,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('level', r.level, 'priorities', r.priorities, 'target', r.target,
                   'minutes_from_due', r.minutes_from_due, 'notify_role', r.notify_role,
                   'notify_customer', r.notify_customer) ORDER BY r.position), '[]')
            FROM ticket_escalation_rules r WHERE r.company_id = $1) AS rules`,
      [companyId],
    );
    return row;
  }

  /** Replaces the whole ordered list at once, so the order is never half-changed. */
  async replacePolicies(companyId: string, policies: Omit<SlaPolicy, 'calendar'>[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM ticket_sla_policies WHERE company_id = $1`, [companyId]);
      if (policies.length === 0) return;
      await manager.query(
        `INSERT INTO ticket_sla_policies (company_id, position, name, conditions, fallback, first_response_minutes,
                                          next_response_minutes, resolution_minutes, calendar_name)
         SELECT $1, p.position, p.name, p.conditions, p.fallback, p.first_response_minutes, p.next_response_minutes,
                p.resolution_minutes, p.calendar_name
           FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (name text, conditions jsonb, fallback boolean,
                first_response_minutes int, next_response_minutes int, resolution_minutes int, calendar_name text))
                WITH ORDINALITY AS p(name, conditions, fallback, first_response_minutes, next_response_minutes,
                resolution_minutes, calendar_name, position)`,
        [companyId, JSON.stringify(policies)],
      );
    });
  }

  rules(companyId: string, manager: EntityManager = this.dataSource.manager): Promise<EscalationRule[]> {
    return manager.query(
      `SELECT level, priorities, target, minutes_from_due, notify_role, notify_customer
         FROM ticket_escalation_rules WHERE company_id = $1 ORDER BY position`,
      [companyId],
    );
  }

  /** Inside the caller's transaction, so the change and its re-planning event commit together. */
  async replaceRules(manager: EntityManager, companyId: string, rules: EscalationRule[]): Promise<void> {
    await manager.query(`DELETE FROM ticket_escalation_rules WHERE company_id = $1`, [companyId]);
    if (rules.length === 0) return;
    await manager.query(
      `INSERT INTO ticket_escalation_rules (company_id, position, level, priorities, target, minutes_from_due,
                                              notify_role, notify_customer)
         SELECT $1, r.position, r.level, r.priorities, r.target, r.minutes_from_due, r.notify_role, r.notify_customer
           FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (level int, priorities text[], target text,
                minutes_from_due int, notify_role text, notify_customer boolean))
                WITH ORDINALITY AS r(level, priorities, target, minutes_from_due, notify_role, notify_customer, position)`,
      [companyId, JSON.stringify(rules)],
    );
  }

  /** A batch of a company's unfinished tickets after `afterId`, locked, with their targets. */
  async lockUnfinished(manager: EntityManager, companyId: string, afterId: string, limit: number) {
    const tickets = await manager.query<
      Array<{ id: string; priority: string; escalation_level: number; sla_policy: SlaPolicy | null }>
    >(
      `SELECT id, priority, escalation_level, sla_policy FROM tickets
        WHERE company_id = $1 AND status NOT IN ('resolved', 'closed') AND id > $2
        ORDER BY id LIMIT $3 FOR UPDATE`,
      [companyId, afterId, limit],
    );
    const targets = await manager.query<Array<SlaTarget & { ticket_id: string }>>(
      `SELECT ticket_id, ${TARGET_COLUMNS} FROM ticket_sla_targets WHERE ticket_id = ANY($1) ORDER BY id`,
      [tickets.map((t) => t.id)],
    );
    return { tickets, targets };
  }

  /** New escalation plans for many tickets in one statement. */
  async setPlans(
    manager: EntityManager,
    plans: Array<{ id: string; plan: PlannedEscalation[]; nextEscalationAt: Date | null }>,
  ): Promise<void> {
    if (plans.length === 0) return;
    await manager.query(
      `UPDATE tickets t SET escalation_plan = p.plan, next_escalation_at = p.next
         FROM unnest($1::uuid[], $2::jsonb[], $3::timestamptz[]) AS p(id, plan, next) WHERE t.id = p.id`,
      [
        plans.map((p) => p.id),
        plans.map((p) => JSON.stringify(p.plan)),
        plans.map((p) => p.nextEscalationAt),
      ],
    );
  }

  async targets(manager: EntityManager, ticketId: string): Promise<SlaTarget[]> {
    return manager.query<SlaTarget[]>(
      `SELECT ${TARGET_COLUMNS} FROM ticket_sla_targets WHERE ticket_id = $1 ORDER BY id`,
      [ticketId],
    );
  }

  /**
   * Writes a ticket's SLA in one statement: new targets inserted, changed ones written back, the
   * events appended, and the ticket's policy, state, next deadline and escalation plan set.
   */
  async settle(
    manager: EntityManager,
    companyId: string,
    ticketId: string,
    change: {
      targets: SlaTarget[];
      events: SlaEvent[];
      policy: SlaPolicy;
      state: SlaState | null;
      nextDue: Date | null;
      plan: PlannedEscalation[];
      nextEscalationAt: Date | null;
    },
  ): Promise<void> {
    await manager.query(
      `WITH t AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(id bigint, kind text, status text, target_seconds int,
           consumed_seconds int, started_at timestamptz, due_at timestamptz, anchor_at timestamptz,
           paused_at timestamptz, breached_at timestamptz, fulfilled_at timestamptz)
       ), updated AS (
         UPDATE ticket_sla_targets s SET status = t.status, target_seconds = t.target_seconds,
                consumed_seconds = t.consumed_seconds, started_at = t.started_at, due_at = t.due_at,
                anchor_at = t.anchor_at, paused_at = t.paused_at, breached_at = t.breached_at,
                fulfilled_at = t.fulfilled_at
           FROM t WHERE t.id IS NOT NULL AND s.id = t.id AND s.ticket_id = $2
       ), inserted AS (
         INSERT INTO ticket_sla_targets (company_id, ticket_id, kind, status, target_seconds, consumed_seconds,
                                         started_at, due_at, anchor_at, paused_at, breached_at, fulfilled_at)
         SELECT $1, $2, kind, status, target_seconds, consumed_seconds, started_at, due_at, anchor_at, paused_at,
                breached_at, fulfilled_at
           FROM t WHERE t.id IS NULL
       ), recorded AS (
         INSERT INTO ticket_sla_events (company_id, ticket_id, kind, target, details, occurred_at)
         SELECT $1, $2, e.kind, e.target, coalesce(e.details, '{}'::jsonb), e.at
           FROM jsonb_to_recordset($4::jsonb) AS e(kind text, target text, details jsonb, at timestamptz)
       )
       UPDATE tickets SET sla_policy = $5, sla_state = $6, sla_next_due_at = $7, escalation_plan = $8,
              next_escalation_at = $9
        WHERE id = $2`,
      [
        companyId,
        ticketId,
        JSON.stringify(change.targets),
        JSON.stringify(change.events),
        JSON.stringify(change.policy),
        change.state,
        change.nextDue,
        JSON.stringify(change.plan),
        change.nextEscalationAt,
      ],
    );
  }

  /** A ticket's SLA as stored: its targets and its event stream. */
  async read(companyId: string, ticketId: string) {
    const [targets, events] = await Promise.all([
      this.dataSource.query<SlaTarget[]>(
        `SELECT ${TARGET_COLUMNS} FROM ticket_sla_targets WHERE company_id = $1 AND ticket_id = $2 ORDER BY id`,
        [companyId, ticketId],
      ),
      this.dataSource.query<
        Array<{ kind: string; target: string | null; details: unknown; occurred_at: Date }>
      >(
        `SELECT kind, target, details, occurred_at FROM ticket_sla_events
          WHERE company_id = $1 AND ticket_id = $2 ORDER BY occurred_at, id`,
        [companyId, ticketId],
      ),
    ]);
    return { targets, events };
  }

  /**
   * Marks up to `limit` running targets whose deadline has passed as missed, records the breach in
   * their tickets' SLA streams and states, and returns them. One statement, whatever the number.
   */
  async breachDue(manager: EntityManager, now: Date, limit: number): Promise<BreachedTarget[]> {
    return manager.query<BreachedTarget[]>(
      `WITH due AS (
         SELECT id FROM ticket_sla_targets WHERE status = 'active' AND due_at <= $1
          ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), breached AS (
         UPDATE ticket_sla_targets s SET status = 'missed', breached_at = s.due_at
           FROM due WHERE s.id = due.id
         RETURNING s.company_id, s.ticket_id, s.kind, s.due_at
       ), recorded AS (
         INSERT INTO ticket_sla_events (company_id, ticket_id, kind, target, occurred_at)
         SELECT company_id, ticket_id, 'breached', kind, due_at FROM breached
       ), states AS (
         UPDATE tickets t SET sla_state = 'active_with_misses'
           FROM (SELECT DISTINCT ticket_id FROM breached) b WHERE t.id = b.ticket_id
       )
       SELECT b.company_id, b.ticket_id, b.kind, b.due_at, t.ticket_number, t.customer_id, t.department, t.priority
         FROM breached b JOIN tickets t ON t.id = b.ticket_id`,
      [now, limit],
    );
  }

  /**
   * Raises up to `limit` tickets whose next planned escalation is due to the highest level due now,
   * with one history entry each; returns them. Pending, resolved and closed tickets wait. A level
   * only ever goes up, so a tick that runs again (or a second worker) changes nothing.
   */
  async escalateDue(manager: EntityManager, now: Date, limit: number): Promise<EscalatedTicket[]> {
    return manager.query<EscalatedTicket[]>(
      `WITH due AS (
           SELECT t.id, t.escalation_level AS from_level, step.value AS step
             FROM (SELECT id, escalation_level, escalation_plan FROM tickets
                    WHERE next_escalation_at <= $1 AND status IN ('new', 'open', 'on_hold')
                    ORDER BY next_escalation_at LIMIT $2 FOR UPDATE SKIP LOCKED) t
             CROSS JOIN LATERAL (
               SELECT value FROM jsonb_array_elements(t.escalation_plan)
                WHERE (value->>'at')::timestamptz <= $1 AND (value->>'level')::int > t.escalation_level
                ORDER BY (value->>'level')::int DESC LIMIT 1) step
         ), escalated AS (
           UPDATE tickets t SET escalation_level = (due.step->>'level')::int, updated_at = $1,
                  next_escalation_at = (SELECT min((value->>'at')::timestamptz) FROM jsonb_array_elements(t.escalation_plan)
                                         WHERE (value->>'level')::int > (due.step->>'level')::int)
             FROM due WHERE t.id = due.id
           RETURNING t.id, t.company_id, t.customer_id, t.ticket_number, t.subject, t.department, t.priority,
                     t.assignee_id, due.from_level, due.step
         ), history AS (
           INSERT INTO ticket_history (company_id, ticket_id, actor_id, action, changes, occurred_at)
           SELECT company_id, id, NULL, 'escalated',
                  jsonb_build_object('escalation_level', jsonb_build_object('before', from_level, 'after', step->'level'),
                                     'reason', step->'reason'), $1
             FROM escalated
         )
         SELECT * FROM escalated`,
      [now, limit],
    );
  }
}
