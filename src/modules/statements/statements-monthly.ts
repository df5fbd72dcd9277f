import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { InvoicesService } from '../invoices/invoices.service';
import { calendarMonth, previousMonth, utcDay } from './statement-period';
import { StatementsService } from './statements.service';

/** 02:00 UTC on the 1st: after the last day's allocations and the nightly aging run (01:30). */
export const STATEMENTS_MONTHLY_PATTERN = '0 2 1 * *';

/**
 * The monthly statement run (once per tick across replicas): for every company with money owed, the
 * previous month's run, emailed as PDF. Exactly once per company and month whatever happens (a retried
 * tick, a manual run of the same month before): the run is unique per (company, period).
 */
@Injectable()
export class StatementsMonthly {
  constructor(
    private readonly statements: StatementsService,
    private readonly invoices: InvoicesService,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
  ) {
    logger.setContext(StatementsMonthly.name);
    scheduler.register({
      name: 'statements.monthly-run',
      cadence: { pattern: STATEMENTS_MONTHLY_PATTERN, tz: 'UTC' },
      run: (tick) => this.run(tick).then(() => undefined),
    });
  }

  /** The runs for the month before the UTC date of `at`; answers how many were created. */
  async run(at: Date = this.clock.now()): Promise<{ period: string; companies: number; created: number }> {
    const started = performance.now();
    const period = previousMonth(utcDay(at));
    const month = calendarMonth(period)!;
    const companies = await this.invoices.companiesWithOpenBalances();
    let created = 0;
    for (const companyId of companies) {
      const result = await this.statements.createRun({
        companyId,
        from: month.from,
        to: month.to,
        format: 'pdf',
        deliveryMethod: 'email',
        trigger: 'scheduled',
        requestedBy: null,
      });
      if (result.created) created += 1;
    }
    this.logger.info(
      {
        operation: 'statement.monthly_run',
        period,
        companies: companies.length,
        runs_created: created,
        duration_ms: Math.round(performance.now() - started),
      },
      'Monthly statement runs requested',
    );
    return { period, companies: companies.length, created };
  }
}
