import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { TaskScheduler } from '../scheduling/task-scheduler';
import { OutboxRepository } from './outbox.repository';

/** Deletes dispatched outbox rows older than OUTBOX_RETENTION_HOURS, on the shared scheduler. */
@Injectable()
export class OutboxPruner {
  constructor(config: AppConfig, scheduler: TaskScheduler, outbox: OutboxRepository, logger: PinoLogger) {
    logger.setContext('outbox');
    scheduler.register({
      name: 'outbox.prune',
      cadence: { every: config.OUTBOX_PRUNE_INTERVAL_MS },
      run: async () => {
        const removed = await outbox.pruneDispatched(config.OUTBOX_RETENTION_HOURS);
        if (removed > 0) logger.info({ operation: 'outbox.prune', removed }, 'pruned dispatched events');
      },
    });
  }
}
