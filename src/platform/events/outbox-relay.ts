import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { QueueRegistry } from '../queue/queue-registry';
import type { QueueName } from '../queue/queue-names';
import type { DomainEvent } from './domain-event';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRepository } from './outbox.repository';
import { SubscriberRegistry } from './subscriber-registry';
import { subscriberJobId } from './subscriptions';

export const OUTBOX_CHANNEL = 'custops_outbox';
const ENQUEUE_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 10_000;

/**
 * Worker role: moves committed events from the outbox to their durable subscribers (BullMQ jobs with
 * deterministic ids, so a replay never duplicates) and then to in-process listeners. An event is marked
 * dispatched only in the transaction that saw every job accepted by Redis; if Redis is away the batch
 * rolls back and is retried with backoff, so nothing committed is lost.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: Client;
  private failures = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
    private readonly subscribers: SubscriberRegistry,
    private readonly queues: QueueRegistry,
    private readonly emitter: EventEmitter2,
    private readonly metrics: OutboxMetrics,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('outbox');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    this.running = true;
    void this.listen();
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Dispatches one batch; returns how many events it handed on. */
  async relayOnce(): Promise<number> {
    const events = await this.outbox.withPendingBatch(
      this.config.OUTBOX_BATCH_SIZE,
      async (batch, manager) => {
        if (batch.length === 0) return batch;
        await this.enqueue(batch);
        await this.outbox.markDispatched(
          manager,
          batch.map((event) => event.event_id),
        );
        return batch;
      },
    );
    for (const event of events) {
      this.metrics.dispatched.inc({ type: event.type });
      this.emitInProcess(event);
    }
    return events.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let dispatched = 0;
      try {
        dispatched = await this.relayOnce();
        if (this.failures > 0) this.logger.info({ operation: 'outbox.relay' }, 'outbox relay recovered');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.metrics.relayFailures.inc();
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.logger.warn(
            { operation: 'outbox.relay', err: error, failures: this.failures },
            'outbox relay failed',
          );
        }
      }
      if (!this.running) break;
      if (this.failures > 0) {
        await this.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10)));
      } else if (dispatched < this.config.OUTBOX_BATCH_SIZE) {
        await this.sleep(this.config.OUTBOX_POLL_INTERVAL_MS);
      }
    }
  }

  private async enqueue(batch: DomainEvent[]): Promise<void> {
    const perQueue = new Map<QueueName, { name: string; data: DomainEvent; opts: { jobId: string } }[]>();
    for (const event of batch) {
      for (const subscriber of this.subscribers.for(event.type)) {
        const jobs = perQueue.get(subscriber.queue) ?? [];
        jobs.push({
          name: subscriber.name,
          data: event,
          opts: { jobId: subscriberJobId(event.event_id, subscriber.name) },
        });
        perQueue.set(subscriber.queue, jobs);
      }
    }
    const adds = [...perQueue].map(([queue, jobs]) => this.queues.queue(queue).addBulk(jobs));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('Redis did not accept the jobs in time')),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([Promise.all(adds), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** In-process listeners are for what may be lost (metrics, logs); one failing never stops the relay. */
  private emitInProcess(event: DomainEvent): void {
    try {
      this.emitter.emitAsync(event.type, event).catch((error: unknown) => this.listenerFailed(event, error));
    } catch (error) {
      this.listenerFailed(event, error);
    }
  }

  private listenerFailed(event: DomainEvent, error: unknown): void {
    this.logger.error(
      { operation: 'event.listener', event_type: event.type, err: error },
      'event listener failed',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** LISTEN on the channel the outbox insert trigger notifies, so events go out without waiting a poll. */
  private async listen(): Promise<void> {
    try {
      const client = new Client({ connectionString: this.config.DATABASE_URL });
      client.on('error', () => undefined);
      await client.connect();
      client.on('notification', () => this.wake?.());
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.logger.warn({ operation: 'outbox.listen', err: error }, 'outbox LISTEN unavailable; polling only');
    }
  }
}
