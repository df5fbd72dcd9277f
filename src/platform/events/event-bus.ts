import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { requestScope } from '../http/request-scope';
import type { DomainEvent, DomainEventType, PublishInput } from './domain-event';

/**
 * Publishes domain events through the outbox: the event row is written by the caller's transaction,
 * so it exists if and only if the change it describes was committed. The relay delivers it later.
 */
@Injectable()
export class EventBus {
  constructor(private readonly clock: Clock) {}

  async publish<T extends DomainEventType>(
    manager: EntityManager,
    ...inputs: PublishInput<T>[]
  ): Promise<DomainEvent<T>[]> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('EventBus.publish must be called inside the transaction that changes the data');
    }
    const events = inputs.map((input) => this.envelope(input));
    if (events.length === 0) return events;
    await manager.query(
      `INSERT INTO outbox_events (event_id, type, company_id, user_id, customer_id, correlation_id, metadata, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::jsonb[], $8::timestamptz[])`,
      [
        events.map((e) => e.event_id),
        events.map((e) => e.type),
        events.map((e) => e.company_id),
        events.map((e) => e.user_id),
        events.map((e) => e.customer_id),
        events.map((e) => e.correlation_id),
        events.map((e) => JSON.stringify(e.metadata)),
        events.map((e) => e.timestamp),
      ],
    );
    return events;
  }

  private envelope<T extends DomainEventType>(input: PublishInput<T>): DomainEvent<T> {
    return {
      event_id: randomUUID(),
      type: input.type,
      company_id: input.companyId,
      user_id: input.userId ?? null,
      customer_id: input.customerId ?? null,
      timestamp: this.clock.now().toISOString(),
      metadata: input.metadata,
      correlation_id: input.correlationId ?? requestScope.correlationId() ?? null,
    };
  }
}
