import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';

export interface ResolutionRequestRow {
  id: string;
  company_id: string;
  ticket_id: string;
  resolved_at: Date;
  expires_at: Date;
  used_at: Date | null;
  outcome: string | null;
}

/** A ticket the auto-close closed, with what its event needs. */
export interface AutoClosedTicket {
  id: string;
  company_id: string;
  customer_id: string | null;
  ticket_number: string;
  department: string | null;
  priority: string;
}

const REQUEST_COLUMNS = 'id, company_id, ticket_id, resolved_at, expires_at, used_at, outcome';

/** Resolution confirmation requests, satisfaction ratings and the auto-close of unconfirmed tickets. */
@Injectable()
export class TicketResolutionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * The request for one resolution (created once, whatever the redeliveries); earlier requests of the
   * ticket that were never answered are superseded.
   */
  async requestFor(
    companyId: string,
    ticketId: string,
    resolvedAt: Date,
    expiresAt: Date,
    now: Date,
  ): Promise<ResolutionRequestRow> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE ticket_resolution_requests SET outcome = 'superseded'
          WHERE ticket_id = $1 AND outcome IS NULL AND resolved_at < $2`,
        [ticketId, resolvedAt],
      );
      const [row] = await manager.query<ResolutionRequestRow[]>(
        `WITH created AS (
           INSERT INTO ticket_resolution_requests (company_id, ticket_id, resolved_at, expires_at, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id, resolved_at) DO NOTHING
           RETURNING ${REQUEST_COLUMNS})
         SELECT * FROM created
         UNION ALL
         SELECT ${REQUEST_COLUMNS} FROM ticket_resolution_requests WHERE ticket_id = $2 AND resolved_at = $3`,
        [companyId, ticketId, resolvedAt, expiresAt, now],
      );
      return row;
    });
  }

  async lock(manager: EntityManager, id: string): Promise<ResolutionRequestRow | undefined> {
    const [row] = await manager.query<ResolutionRequestRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM ticket_resolution_requests WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row;
  }

  /** The unanswered request of a ticket's current resolution, locked. */
  async lockOpenFor(manager: EntityManager, ticketId: string): Promise<ResolutionRequestRow | undefined> {
    const [row] = await manager.query<ResolutionRequestRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM ticket_resolution_requests WHERE ticket_id = $1 AND outcome IS NULL
        ORDER BY resolved_at DESC LIMIT 1 FOR UPDATE`,
      [ticketId],
    );
    return row;
  }

  async answer(
    manager: EntityManager,
    id: string,
    outcome: 'confirmed' | 'reopened',
    at: Date,
  ): Promise<void> {
    await manager.query(`UPDATE ticket_resolution_requests SET used_at = $2, outcome = $3 WHERE id = $1`, [
      id,
      at,
      outcome,
    ]);
  }

  async recordRating(
    manager: EntityManager,
    rating: {
      companyId: string;
      ticketId: string;
      requestId: string;
      rating: number;
      feedback: string | null;
      agentId: string | null;
      department: string | null;
      category: string;
      priority: string;
      at: Date;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ticket_csat (company_id, ticket_id, request_id, rating, feedback, agent_id, department, category,
                                priority, rated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        rating.companyId,
        rating.ticketId,
        rating.requestId,
        rating.rating,
        rating.feedback,
        rating.agentId,
        rating.department,
        rating.category,
        rating.priority,
        rating.at,
      ],
    );
  }

  async ratingOf(companyId: string, ticketId: string) {
    return this.dataSource.query<Array<{ rating: number; feedback: string | null; rated_at: Date }>>(
      `SELECT rating, feedback, rated_at FROM ticket_csat WHERE company_id = $1 AND ticket_id = $2 ORDER BY rated_at`,
      [companyId, ticketId],
    );
  }

  /**
   * Closes up to `limit` tickets resolved before `cutoff` and never confirmed nor reopened, with a
   * history entry each, and ends their requests as auto-closed. One statement.
   */
  async autoClose(
    manager: EntityManager,
    cutoff: Date,
    now: Date,
    limit: number,
  ): Promise<AutoClosedTicket[]> {
    return returnedRows(
      await manager.query<AutoClosedTicket[]>(
        `WITH due AS (
           SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at <= $1
            ORDER BY resolved_at LIMIT $3 FOR UPDATE SKIP LOCKED
         ), closed AS (
           UPDATE tickets t SET status = 'closed', closed_at = $2, updated_at = $2, next_escalation_at = NULL
             FROM due WHERE t.id = due.id
           RETURNING t.id, t.company_id, t.customer_id, t.ticket_number, t.department, t.priority
         ), history AS (
           INSERT INTO ticket_history (company_id, ticket_id, actor_id, action, changes, occurred_at)
           SELECT company_id, id, NULL, 'status_changed',
                  '{"status": {"before": "resolved", "after": "closed"}, "reason": "auto_close"}'::jsonb, $2
             FROM closed
         ), requests AS (
           UPDATE ticket_resolution_requests r SET outcome = 'auto_closed'
             FROM closed WHERE r.ticket_id = closed.id AND r.outcome IS NULL
         )
         SELECT * FROM closed`,
        [cutoff, now, limit],
      ),
    );
  }
}
