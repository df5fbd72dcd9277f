import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { MaintenanceRepository } from './maintenance.repository';
import { MaintenanceStages, StageCounts } from './maintenance-stages';

/** Windows moved per statement and transaction: bounded lock time, any number in all. */
const BATCH = 500;

/**
 * The scheduled maintenance scan (once per tick across replicas, every MAINTENANCE_SCAN_INTERVAL_MS):
 * announces windows 48 h ahead, starts those whose start has come and completes those whose end has.
 */
@Injectable()
export class MaintenanceScanner {
  constructor(
    private readonly repository: MaintenanceRepository,
    private readonly stages: MaintenanceStages,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
    config: AppConfig,
  ) {
    logger.setContext(MaintenanceScanner.name);
    scheduler.register({
      name: 'maintenance.scan',
      cadence: { every: config.MAINTENANCE_SCAN_INTERVAL_MS },
      run: () => this.scan().then(() => undefined),
    });
  }

  async scan(): Promise<StageCounts> {
    const started = performance.now();
    const now = this.clock.now();
    const total: StageCounts = { announced: 0, started: 0, completed: 0 };
    for (;;) {
      const counts = await this.repository.transaction((manager) => this.stages.advance(manager, now, BATCH));
      total.announced += counts.announced;
      total.started += counts.started;
      total.completed += counts.completed;
      if (Math.max(counts.announced, counts.started, counts.completed) < BATCH) break;
    }
    if (total.announced + total.started + total.completed > 0) {
      this.logger.info(
        { operation: 'maintenance.scan', ...total, duration_ms: Math.round(performance.now() - started) },
        'Maintenance scan moved windows to their next stage',
      );
    }
    return total;
  }
}
