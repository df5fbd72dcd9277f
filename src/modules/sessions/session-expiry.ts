import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { SessionAuthorizer } from './session-authorizer';
import { SessionLifecycle } from './session-lifecycle';
import { SessionsRepository } from './sessions.repository';

/** How often expiry runs (once per tick across replicas); authorize denies on time between ticks anyway. */
export const EXPIRE_EVERY_MS = 30_000;
const BATCH = 500;
/** Bounded work per tick: a backlog larger than this is finished by the next ticks. */
const MAX_BATCHES = 40;

/**
 * Ends sessions whose time ran out (status expired, Session-Timeout, ended_at = expires_at), with their
 * SessionTerminated and SessionExpired events, in batches of one statement each.
 */
@Injectable()
export class SessionExpiry {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly lifecycle: SessionLifecycle,
    private readonly authorizer: SessionAuthorizer,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
  ) {
    logger.setContext(SessionExpiry.name);
    scheduler.register({
      name: 'sessions.expire',
      cadence: { every: EXPIRE_EVERY_MS },
      run: () => this.expireDue().then(() => undefined),
    });
  }

  /** The number of sessions expired. */
  async expireDue(): Promise<number> {
    const started = performance.now();
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const now = this.clock.now();
      const rows = await this.repository.transaction(async (manager) => {
        const expired = await this.repository.expireDue(manager, now, BATCH);
        await this.lifecycle.ended(manager, expired);
        return expired;
      });
      await this.authorizer.remember(rows);
      total += rows.length;
      if (rows.length < BATCH) break;
    }
    if (total > 0) {
      this.logger.info(
        {
          operation: 'sessions.expire',
          expired: total,
          duration_ms: Math.round(performance.now() - started),
        },
        'Sessions expired',
      );
    }
    return total;
  }
}
