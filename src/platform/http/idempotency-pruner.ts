import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TaskScheduler } from '../scheduling/task-scheduler';

/** Forgets idempotency keys after IDEMPOTENCY_TTL_HOURS, hourly. */
@Injectable()
export class IdempotencyPruner {
  constructor(config: AppConfig, scheduler: TaskScheduler, @InjectDataSource() dataSource: DataSource) {
    scheduler.register({
      name: 'idempotency.prune',
      cadence: { every: 3_600_000 },
      run: async () => {
        await dataSource.query(
          `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
          [config.IDEMPOTENCY_TTL_HOURS],
        );
      },
    });
  }
}
