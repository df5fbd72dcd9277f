import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { TaskScheduler } from '../../../platform/scheduling/task-scheduler';
import { CreditRepository } from './credit.repository';

/**
 * Nightly (CREDIT_UTILISATION_CRON, once per tick across replicas): every company's customers with a
 * limit per utilisation bucket, in one set-based statement, stored for the
 * customer_credit_utilization_histogram gauge.
 */
@Injectable()
export class CreditUtilisationTask {
  constructor(
    private readonly repository: CreditRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
    config: AppConfig,
  ) {
    logger.setContext(CreditUtilisationTask.name);
    scheduler.register({
      name: 'credit.utilisation',
      cadence: { pattern: config.CREDIT_UTILISATION_CRON },
      run: () => this.run().then(() => undefined),
    });
  }

  async run(): Promise<number> {
    const started = performance.now();
    const rows = await this.repository.snapshotUtilisation(this.clock.now());
    this.logger.info(
      {
        operation: 'credit.utilisation',
        buckets: rows,
        duration_ms: Math.round(performance.now() - started),
      },
      'Credit utilisation distribution computed',
    );
    return rows;
  }
}
