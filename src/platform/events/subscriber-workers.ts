import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { requestScope } from '../http/request-scope';
import { QueueRegistry } from '../queue/queue-registry';
import type { DomainEvent } from './domain-event';
import { SubscriberRegistry } from './subscriber-registry';

/** In the worker role, runs the jobs the relay enqueued for durable subscribers. */
@Injectable()
export class SubscriberWorkers implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: SubscriberRegistry,
    private readonly queues: QueueRegistry,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('events');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    for (const queue of this.registry.queues()) {
      this.queues.startWorker(queue, (job) => this.run(job as Job<DomainEvent>));
    }
  }

  private async run(job: Job<DomainEvent>): Promise<void> {
    const subscriber = this.registry.named(job.name);
    if (!subscriber) throw new Error(`No durable subscriber named ${job.name}`);
    const event = job.data;
    const started = performance.now();
    await requestScope.run({ correlationId: event.correlation_id ?? event.event_id }, async () => {
      await subscriber.handle(event, {
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        stalled: job.stalledCounter > 0,
      });
      this.logger.debug(
        {
          operation: 'event.handle',
          subscriber: subscriber.name,
          event_type: event.type,
          event_id: event.event_id,
          company_id: event.company_id,
          customer_id: event.customer_id,
          correlation_id: event.correlation_id,
          duration_ms: Math.round(performance.now() - started),
        },
        'event handled',
      );
    });
  }
}
