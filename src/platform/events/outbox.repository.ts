import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent } from './domain-event';

interface OutboxRow {
  event_id: string;
  type: string;
  company_id: string;
  user_id: string | null;
  customer_id: string | null;
  correlation_id: string | null;
  metadata: Record<string, unknown>;
  occurred_at: Date;
}

/** Every query on outbox_events. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` on the oldest pending events, locked so concurrent relays take disjoint batches. */
  async withPendingBatch<T>(
    limit: number,
    work: (events: DomainEvent[], manager: EntityManager) => Promise<T>,
  ) {
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT event_id, type, company_id, user_id, customer_id, correlation_id, metadata, occurred_at
           FROM outbox_events
          WHERE dispatched_at IS NULL
          ORDER BY seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      return work(rows.map(toEvent), manager);
    });
  }

  async markDispatched(manager: EntityManager, eventIds: string[]): Promise<void> {
    await manager.query(`UPDATE outbox_events SET dispatched_at = now() WHERE event_id = ANY($1::uuid[])`, [
      eventIds,
    ]);
  }

  async recordFailure(eventIds: string[], error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_events SET attempts = attempts + 1, last_error = $2 WHERE event_id = ANY($1::uuid[])`,
      [eventIds, error.slice(0, 1000)],
    );
  }

  async backlog(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const [row] = await this.dataSource.query<Array<{ count: number; age: number }>>(
      `SELECT count(*)::int AS count,
              coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS age
         FROM outbox_events WHERE dispatched_at IS NULL`,
    );
    return { count: row.count, oldestAgeSeconds: row.age };
  }

  async pruneDispatched(olderThanHours: number): Promise<number> {
    const result = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM outbox_events WHERE dispatched_at < now() - make_interval(hours => $1)`,
      [olderThanHours],
    );
    return result[1] ?? 0;
  }
}

function toEvent(row: OutboxRow): DomainEvent {
  return {
    event_id: row.event_id,
    type: row.type as DomainEvent['type'],
    company_id: row.company_id,
    user_id: row.user_id,
    customer_id: row.customer_id,
    timestamp: new Date(row.occurred_at).toISOString(),
    metadata: row.metadata as DomainEvent['metadata'],
    correlation_id: row.correlation_id,
  };
}
