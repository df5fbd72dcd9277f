import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DomainEvent, DomainEventType } from '../../src/platform/events/domain-event';
import { OnDomainEvent } from '../../src/platform/events/subscriptions';
import '../../src/modules/customers/customers.events';

/** A durable subscriber that records every customer event it receives, for assertions. */
@Injectable()
export class EventProbe implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.query(`
      CREATE TABLE IF NOT EXISTS probe_events (
        event_id uuid PRIMARY KEY, type text NOT NULL, company_id uuid NOT NULL, customer_id uuid,
        user_id text, metadata jsonb NOT NULL, received integer NOT NULL DEFAULT 1)`);
  }

  @OnDomainEvent(
    ['CustomerCreated', 'CustomerUpdated', 'CustomerDeleted', 'CustomerRestored', 'CustomerStatusChanged'],
    {
      name: 'test.customer-events',
    },
  )
  async record(event: DomainEvent<DomainEventType>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO probe_events (event_id, type, company_id, customer_id, user_id, metadata) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO UPDATE SET received = probe_events.received + 1`,
      [
        event.event_id,
        event.type,
        event.company_id,
        event.customer_id,
        event.user_id,
        JSON.stringify(event.metadata),
      ],
    );
  }
}

@Module({ providers: [EventProbe] })
export class EventProbeModule {}
