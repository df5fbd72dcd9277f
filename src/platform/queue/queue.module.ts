import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import { QueueMetrics } from './queue.metrics';
import { QueueRegistry } from './queue-registry';
import { workerRedisOptions } from './redis-options';

/**
 * Platform queues (events, scheduler) go through QueueRegistry; BullModule is configured with the same
 * connection, prefix and job defaults so a module's own @Processor classes need no settings of their own.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: workerRedisOptions(config.REDIS_URL),
        prefix: config.REDIS_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
  ],
  providers: [QueueMetrics, QueueRegistry],
  exports: [QueueRegistry, QueueMetrics],
})
export class QueueModule {}
