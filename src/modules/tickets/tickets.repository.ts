import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { SlaState } from './sla/sla-clock';
import type { SlaPolicy } from './sla/sla-policy';
import type { FormField } from './ticket-forms';

export interface TicketRow {
  id: string;
  company_id: string;
  ticket_number: string;
  customer_id: string | null;
  requester_name: string;
  requester_email: string | null;
  subject: string;
  description: string;
  category: string;
  department: string | null;
  needs_triage: boolean;
  priority: string;
  status: string;
  assignee_id: string | null;
  escalation_level: number;
  channel: string;
  tags: string[];
  fields: Record<string, unknown>;
  first_response_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  sla_policy: SlaPolicy | null;
  sla_state: SlaState | null;
  sla_next_due_at: Date | null;
  merged_into_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A ticket as the support console lists it. */
export interface SupportTicketRow {
  id: string;
  ticket_number: string;
  subject: string;
  status: string;
  priority: string;
  escalation_level: number;
  created_at: Date;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  breached: boolean;
}

export interface CommentRow {
  id: string;
  author_kind: 'customer' | 'staff';
  author_id: string;
  body: string;
  internal: boolean;
  created_at: Date;
}

export type NewTicket = Omit<
  TicketRow,
  | 'id'
  | 'company_id'
  | 'sla_policy'
  | 'sla_state'
  | 'sla_next_due_at'
  | 'merged_into_id'
  | 'status'
  | 'assignee_id'
  | 'escalation_level'
  | 'first_response_at'
  | 'resolved_at'
  | 'closed_at'
  | 'updated_at'
>;

const COLUMNS = `id, company_id, ticket_number, customer_id, requester_name, requester_email, subject, description, category, department,
  needs_triage, priority, status, assignee_id, escalation_level, channel, tags, fields, first_response_at, resolved_at,
  closed_at, sla_policy, sla_state, sla_next_due_at, merged_into_id, created_at, updated_at`;

/** Every query of the tickets module. */
@Injectable()
export class TicketsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Next number of the company's day; its own short transaction, committed without waiting for fsync (see customers). */
  reserveTicketNumber(companyId: string, day: string): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL synchronous_commit TO off');
      const [row] = await manager.query<Array<{ last_value: number }>>(
        `INSERT INTO ticket_number_counters (company_id, day, last_value) VALUES ($1, $2, 1)
         ON CONFLICT (company_id, day) DO UPDATE SET last_value = ticket_number_counters.last_value + 1
         RETURNING last_value`,
        [companyId, day],
      );
      return row.last_value;
    });
  }

  async routes(companyId: string): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<Array<{ category: string; department: string }>>(
      'SELECT category, department FROM ticket_routes WHERE company_id = $1',
      [companyId],
    );
    return new Map(rows.map((row) => [row.category, row.department]));
  }

  async setRoute(companyId: string, category: string, department: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ticket_routes (company_id, category, department) VALUES ($1, $2, $3)
       ON CONFLICT (company_id, category) DO UPDATE SET department = EXCLUDED.department`,
      [companyId, category, department],
    );
  }

  async form(companyId: string, category: string): Promise<FormField[] | undefined> {
    const [row] = await this.dataSource.query<Array<{ fields: FormField[] }>>(
      'SELECT fields FROM ticket_forms WHERE company_id = $1 AND category = $2',
      [companyId, category],
    );
    return row?.fields;
  }

  async setForm(companyId: string, category: string, fields: FormField[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ticket_forms (company_id, category, fields) VALUES ($1, $2, $3)
       ON CONFLICT (company_id, category) DO UPDATE SET fields = EXCLUDED.fields, updated_at = now()`,
      [companyId, category, JSON.stringify(fields)],
    );
  }

  async insert(manager: EntityManager, companyId: string, ticket: NewTicket): Promise<TicketRow> {
    const [row] = await manager.query<TicketRow[]>(
      `INSERT INTO tickets (company_id, ticket_number, customer_id, requester_name, requester_email, subject, description,
                            category, department, needs_triage, priority, channel, tags, fields, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
       RETURNING ${COLUMNS}`,
      [
        companyId,
        ticket.ticket_number,
        ticket.customer_id,
        ticket.requester_name,
        ticket.requester_email,
        ticket.subject,
        ticket.description,
        ticket.category,
        ticket.department,
        ticket.needs_triage,
        ticket.priority,
        ticket.channel,
        ticket.tags,
        JSON.stringify(ticket.fields),
        ticket.created_at,
      ],
    );
    return row;
  }

  /** Sets department and triage once; returns the ticket id, or undefined when it was already routed. */
  async applyRoute(
    manager: EntityManager,
    companyId: string,
    ticketNumber: string,
    decision: { department: string | null; needsTriage: boolean },
    at: Date,
  ): Promise<string | undefined> {
    const rows = returnedRows(
      await manager.query<Array<{ id: string }>>(
        `UPDATE tickets SET department = $3, needs_triage = $4, updated_at = $5,
              status = CASE WHEN status = 'new' THEN 'open' ELSE status END
        WHERE company_id = $1 AND ticket_number = $2 AND department IS NULL AND NOT needs_triage
        RETURNING id`,
        [companyId, ticketNumber, decision.department, decision.needsTriage, at],
      ),
    );
    return rows[0]?.id;
  }

  /** Locks a ticket for a change; a customer's lock finds only their own tickets. */
  async lock(
    manager: EntityManager,
    companyId: string,
    id: string,
    customerId?: string,
  ): Promise<TicketRow | undefined> {
    const [row] = await manager.query<TicketRow[]>(
      `SELECT ${COLUMNS} FROM tickets WHERE company_id = $1 AND id = $2 ${customerId ? 'AND customer_id = $3' : ''} FOR UPDATE`,
      customerId ? [companyId, id, customerId] : [companyId, id],
    );
    return row;
  }

  async setStatus(manager: EntityManager, id: string, status: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE tickets SET status = $2, updated_at = $3,
              resolved_at = CASE WHEN $2 = 'resolved' THEN $3 WHEN $2 = 'open' THEN NULL ELSE resolved_at END,
              closed_at = CASE WHEN $2 = 'closed' THEN $3 ELSE closed_at END
        WHERE id = $1`,
      [id, status, at],
    );
  }

  async assign(manager: EntityManager, id: string, assigneeId: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE tickets SET assignee_id = $2, updated_at = $3,
              status = CASE WHEN status = 'new' THEN 'open' ELSE status END
        WHERE id = $1`,
      [id, assigneeId, at],
    );
  }

  /** Staff corrections; a department set by hand also ends triage. */
  async update(
    manager: EntityManager,
    id: string,
    changes: { priority?: string; department?: string; tags?: string[] },
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE tickets SET priority = coalesce($2, priority), department = coalesce($3, department),
              needs_triage = CASE WHEN $3::text IS NULL THEN needs_triage ELSE false END,
              tags = coalesce($4, tags), updated_at = $5,
              status = CASE WHEN $3::text IS NOT NULL AND status = 'new' THEN 'open' ELSE status END
        WHERE id = $1`,
      [id, changes.priority ?? null, changes.department ?? null, changes.tags ?? null, at],
    );
  }

  /** Moves a duplicate's comments and history to the ticket it is merged into. */
  async moveThread(manager: EntityManager, fromId: string, toId: string): Promise<void> {
    await manager.query(`UPDATE ticket_comments SET ticket_id = $2 WHERE ticket_id = $1`, [fromId, toId]);
    await manager.query(`UPDATE ticket_history SET ticket_id = $2 WHERE ticket_id = $1`, [fromId, toId]);
  }

  async closeAsMerged(manager: EntityManager, id: string, intoId: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE tickets SET status = 'closed', closed_at = $3, merged_into_id = $2, updated_at = $3,
              next_escalation_at = NULL
        WHERE id = $1`,
      [id, intoId, at],
    );
  }

  /** Open tickets per department and priority, for the tickets_open gauge (one grouped query). */
  openCounts(): Promise<
    Array<{ company_id: string; department: string | null; priority: string; n: number }>
  > {
    return this.dataSource.query(
      `SELECT company_id, department, priority, count(*)::int AS n FROM tickets
        WHERE status NOT IN ('resolved', 'closed') GROUP BY company_id, department, priority`,
    );
  }

  /** The first public staff reply sets first_response_at; later replies never overwrite it. */
  async markResponded(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE tickets SET first_response_at = coalesce(first_response_at, $2), updated_at = $2 WHERE id = $1`,
      [id, at],
    );
  }

  async insertComment(
    manager: EntityManager,
    companyId: string,
    ticketId: string,
    comment: {
      authorKind: 'customer' | 'staff';
      authorId: string;
      body: string;
      internal: boolean;
      at: Date;
    },
  ): Promise<CommentRow> {
    const [row] = await manager.query<CommentRow[]>(
      `INSERT INTO ticket_comments (company_id, ticket_id, author_kind, author_id, body, internal, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, author_kind, author_id, body, internal, created_at`,
      [companyId, ticketId, comment.authorKind, comment.authorId, comment.body, comment.internal, comment.at],
    );
    return row;
  }

  /** Oldest first; internal notes only for staff. */
  comments(companyId: string, ticketId: string, includeInternal: boolean): Promise<CommentRow[]> {
    return this.dataSource.query<CommentRow[]>(
      `SELECT id, author_kind, author_id, body, internal, created_at FROM ticket_comments
        WHERE company_id = $1 AND ticket_id = $2 ${includeInternal ? '' : 'AND NOT internal'}
        ORDER BY created_at, id LIMIT 1000`,
      [companyId, ticketId],
    );
  }

  async appendHistory(
    manager: EntityManager,
    companyId: string,
    ticketId: string,
    actorId: string | null,
    action: string,
    changes: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ticket_history (company_id, ticket_id, actor_id, action, changes, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [companyId, ticketId, actorId, action, JSON.stringify(changes), at],
    );
  }

  async findById(companyId: string, id: string, customerId?: string): Promise<TicketRow | undefined> {
    const [row] = await this.dataSource.query<TicketRow[]>(
      `SELECT ${COLUMNS} FROM tickets WHERE company_id = $1 AND id = $2 ${customerId ? 'AND customer_id = $3' : ''}`,
      customerId ? [companyId, id, customerId] : [companyId, id],
    );
    return row;
  }

  list(
    companyId: string,
    filter: {
      customerId?: string;
      status?: string;
      priority?: string;
      department?: string;
      assigneeId?: string;
      triage?: boolean;
      slaBreached?: boolean;
      escalationLevel?: number;
    },
    limit: number,
    after?: KeysetPosition,
  ): Promise<TicketRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (column: string, value: unknown): void => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.customerId) add('customer_id', filter.customerId);
    if (filter.status) add('status', filter.status);
    if (filter.priority) add('priority', filter.priority);
    if (filter.department) add('department', filter.department);
    if (filter.assigneeId) add('assignee_id', filter.assigneeId);
    if (filter.triage !== undefined) add('needs_triage', filter.triage);
    if (filter.escalationLevel !== undefined) add('escalation_level', filter.escalationLevel);
    if (filter.slaBreached !== undefined) {
      where.push(
        `${filter.slaBreached ? '' : 'NOT '}coalesce(sla_state IN ('missed', 'active_with_misses'), false)`,
      );
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    return this.dataSource.query<TicketRow[]>(
      `SELECT ${COLUMNS} FROM tickets WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * A customer's tickets for the support console: open ones first, then the most recent others, `limit`
   * in all, each with its SLA due times (the latest first-response and resolution targets) and whether a
   * target is missed or overdue at `now`. Two index range scans (tickets_company_customer) and a lookup
   * per ticket (ticket_sla_targets_ticket).
   */
  supportOverview(companyId: string, customerId: string, limit: number, now: Date) {
    return this.dataSource.query<SupportTicketRow[]>(
      `WITH picked AS (
         (SELECT id FROM tickets
           WHERE company_id = $1 AND customer_id = $2 AND status NOT IN ('resolved', 'closed')
           ORDER BY created_at DESC, id DESC LIMIT $3)
         UNION
         (SELECT id FROM tickets WHERE company_id = $1 AND customer_id = $2
           ORDER BY created_at DESC, id DESC LIMIT $3)
       )
       SELECT t.id, t.ticket_number, t.subject, t.status, t.priority, t.escalation_level, t.created_at,
              sla.first_response_due_at, sla.resolution_due_at,
              COALESCE(t.sla_state IN ('missed', 'active_with_misses'), false) OR COALESCE(sla.overdue, false)
                AS breached
         FROM picked p
         JOIN tickets t ON t.id = p.id
         LEFT JOIN LATERAL (
           SELECT (array_agg(due_at ORDER BY id DESC) FILTER (WHERE kind = 'first_response'))[1]
                    AS first_response_due_at,
                  (array_agg(due_at ORDER BY id DESC) FILTER (WHERE kind = 'resolution'))[1] AS resolution_due_at,
                  bool_or(status = 'missed'
                          OR (status = 'active' AND paused_at IS NULL AND due_at IS NOT NULL AND due_at <= $4))
                    AS overdue
             FROM ticket_sla_targets WHERE ticket_id = t.id
         ) sla ON true
        ORDER BY t.status NOT IN ('resolved', 'closed') DESC, t.created_at DESC, t.id DESC
        LIMIT $3`,
      [companyId, customerId, limit, now],
    );
  }

  /** The customer of a ticket by its number (`TKT-20261122-00042`); undefined when none or a walk-in. */
  async customerOfNumber(companyId: string, ticketNumber: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<Array<{ customer_id: string | null }>>(
      `SELECT customer_id FROM tickets WHERE company_id = $1 AND ticket_number = $2`,
      [companyId, ticketNumber],
    );
    return row?.customer_id ?? undefined;
  }

  history(companyId: string, ticketId: string) {
    return this.dataSource.query<
      Array<{ actor_id: string | null; action: string; changes: unknown; occurred_at: Date }>
    >(
      `SELECT actor_id, action, changes, occurred_at FROM ticket_history WHERE company_id = $1 AND ticket_id = $2 ORDER BY id`,
      [companyId, ticketId],
    );
  }
}
