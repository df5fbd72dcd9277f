import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import { TaskScheduler } from '../../../platform/scheduling/task-scheduler';
import { utcDate } from './aging-definitions';
import { AgingRepository } from './aging.repository';
import { AgingSnapshotsService } from './aging-snapshots.service';

/** 01:30 UTC: after the day's allocations, before the working day in most of the world. */
export const AGING_NIGHTLY_PATTERN = '30 1 * * *';

/**
 * The nightly aging run (once per tick across replicas): recomputes every customer's overdue state in
 * one statement, then requests a scheduled snapshot (basis due_date, as of the run's UTC date) for
 * every company with open invoices; the `aging.snapshot` subscriber computes each.
 */
@Injectable()
export class AgingNightly {
  constructor(
    private readonly repository: AgingRepository,
    private readonly snapshots: AgingSnapshotsService,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
  ) {
    logger.setContext(AgingNightly.name);
    scheduler.register({
      name: 'aging.nightly',
      cadence: { pattern: AGING_NIGHTLY_PATTERN, tz: 'UTC' },
      run: (tick) => this.run(tick).then(() => undefined),
    });
  }

  /** Runs for the UTC date of `at` (the tick; the clock's now when called directly). */
  async run(
    at: Date = this.clock.now(),
  ): Promise<{ as_of: string; states: Record<string, number>; snapshots: number }> {
    const started = performance.now();
    const asOf = utcDate(at);
    const states = await this.repository.recomputeOverdueStates(asOf, this.clock.now());
    const snapshots = await this.snapshots.requestScheduled(asOf);
    this.logger.info(
      {
        operation: 'aging.nightly',
        as_of: asOf,
        overdue_states: states,
        snapshots_requested: snapshots,
        duration_ms: Math.round(performance.now() - started),
      },
      'Nightly aging run: overdue states recomputed, snapshots requested',
    );
    return { as_of: asOf, states, snapshots };
  }
}
