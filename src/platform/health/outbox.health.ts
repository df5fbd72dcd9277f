import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { OutboxRepository } from '../events/outbox.repository';

@Injectable()
export class OutboxHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'outbox') {
    const indicator = this.health.check(key);
    let backlog: { count: number; oldestAgeSeconds: number };
    try {
      backlog = await this.outbox.backlog();
    } catch (error) {
      // The database is away (its own check says so): the outbox cannot be read, which is "down", not a 500.
      return indicator.down({ message: (error as Error).message });
    }
    const { count, oldestAgeSeconds } = backlog;
    const details = { backlog: count, lag_seconds: Math.round(oldestAgeSeconds) };
    return oldestAgeSeconds <= this.config.HEALTH_OUTBOX_MAX_LAG_SECONDS
      ? indicator.up(details)
      : indicator.down(details);
  }
}
