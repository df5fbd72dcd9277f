import { Body, Controller, Injectable, Module, OnModuleInit, Post } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Roles } from '../../src/platform/auth/decorators';
import type { Principal } from '../../src/platform/auth/principal';
import type { DomainEvent } from '../../src/platform/events/domain-event';
import { EventBus } from '../../src/platform/events/event-bus';
import { OnDomainEvent } from '../../src/platform/events/subscriptions';
import { DomainException } from '../../src/platform/http/domain-exception';
import { Idempotent } from '../../src/platform/http/idempotency';

/** A ping with this note publishes its event and then fails, so its transaction rolls back. */
export const ROLLBACK_NOTE = '__rollback__';
/** A ping with this note fails with an unexpected error (a 500). */
export const CRASH_NOTE = '__crash__';

declare module '../../src/platform/events/domain-event' {
  interface DomainEventCatalogue {
    FixturePinged: { note: string };
  }
}

/**
 * A test-only module that exercises the platform the way a domain module will: a POST that writes a
 * row and publishes an event in one transaction, a durable subscriber and an in-process listener.
 */
class PingDto {
  @IsString()
  @MaxLength(100)
  note!: string;

  @IsOptional()
  @IsEmail()
  email?: string;

  @IsOptional()
  @Matches(/^\d{4,17}$/)
  account_number?: string;
}

@Controller('fixtures')
class FixtureController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  @Post('pings')
  @Roles('admin', 'agent')
  @Idempotent()
  async ping(@CurrentPrincipal() principal: Principal, @Body() body: PingDto) {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO fixture_pings (company_id, note) VALUES ($1, $2) RETURNING id, note`,
        [principal.companyId, body.note],
      );
      const [event] = await this.events.publish(manager, {
        type: 'FixturePinged',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { note: body.note },
      });
      if (body.note === CRASH_NOTE) throw new Error('connection to 10.1.2.3:5432 refused: internal detail');
      if (body.note === ROLLBACK_NOTE) {
        throw new DomainException('conflict', 'fixture-rollback', 'Rolled back after publishing, on purpose');
      }
      return { id: row.id as string, note: row.note as string, event_id: event.event_id };
    });
  }
}

@Injectable()
export class FixtureSubscribers implements OnModuleInit {
  inProcessSeen: DomainEvent<'FixturePinged'>[] = [];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.query(`
      CREATE TABLE IF NOT EXISTS fixture_pings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(), company_id uuid NOT NULL, note text NOT NULL);
      CREATE TABLE IF NOT EXISTS fixture_deliveries (
        event_id uuid PRIMARY KEY, company_id uuid NOT NULL, note text NOT NULL, correlation_id text,
        deliveries integer NOT NULL DEFAULT 1)`);
  }

  /** Durable: records each delivery; `deliveries` > 1 would reveal a duplicate. */
  @OnDomainEvent('FixturePinged', { name: 'fixtures.record-ping' })
  async record(event: DomainEvent<'FixturePinged'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO fixture_deliveries (event_id, company_id, note, correlation_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO UPDATE SET deliveries = fixture_deliveries.deliveries + 1`,
      [event.event_id, event.company_id, event.metadata.note, event.correlation_id],
    );
  }

  @OnEvent('FixturePinged')
  seen(event: DomainEvent<'FixturePinged'>): void {
    this.inProcessSeen.push(event);
  }
}

@Module({ controllers: [FixtureController], providers: [FixtureSubscribers], exports: [FixtureSubscribers] })
export class FixtureModule {}
