import { BeforeApplicationShutdown, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Job, Processor, Queue, Worker } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import { QUEUES, QueueName } from './queue-names';
import { producerRedisOptions, workerRedisOptions } from './redis-options';
import { QueueMetrics } from './queue.metrics';

/** How long the forced close of workers and queues may take before their connections are dropped. */
const FORCED_CLOSE_MS = 2000;

const within = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);

/**
 * Owns every Queue (producer) and platform Worker of the process, so connections, key prefix,
 * default job options, metrics and shutdown are handled once.
 */
@Injectable()
export class QueueRegistry implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: QueueMetrics,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('queue');
    metrics.observeQueues(() => [...Object.values(QUEUES)].map((name) => this.queue(name)));
  }

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: producerRedisOptions(this.config.REDIS_URL),
        prefix: this.config.REDIS_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queue.on('error', () => undefined); // connection errors surface on the calls that fail
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Starts a worker on `name`; every job's duration and outcome is measured. */
  startWorker(name: QueueName, process: (job: Job) => Promise<unknown>): Worker {
    const instrumented: Processor = async (job) => {
      const stop = this.metrics.startJobTimer(name);
      try {
        const result = await process(job);
        stop('completed');
        return result;
      } catch (error) {
        stop('failed');
        this.logger.warn(
          {
            operation: 'job.failed',
            queue: name,
            job: job.name,
            job_id: job.id,
            attempt: job.attemptsMade + 1,
            err: error,
          },
          'job failed; BullMQ retries it while attempts remain',
        );
        throw error;
      }
    };
    const worker = new Worker(name, instrumented, {
      connection: workerRedisOptions(this.config.REDIS_URL),
      prefix: this.config.REDIS_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration: this.config.QUEUE_LOCK_DURATION_MS,
      stalledInterval: this.config.QUEUE_LOCK_DURATION_MS,
    });
    worker.on('error', () => undefined); // reconnects by itself; failures are counted per job
    this.workers.push(worker);
    return worker;
  }

  /**
   * Lets running jobs finish within SHUTDOWN_TIMEOUT_MS, taking no new ones. This runs before every
   * onApplicationShutdown hook, because those close what the jobs use (the database pool, the mail
   * transport) in an order Nest decides module by module: drained there, jobs lost their database
   * mid-flight (a mail sent but never recorded as sent).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await within(
      Promise.allSettled(this.workers.map((worker) => worker.close())),
      this.config.SHUTDOWN_TIMEOUT_MS,
    );
  }

  /** Then closes every connection. */
  async onApplicationShutdown(): Promise<void> {
    // A worker closed while it is still connecting can leave close() pending forever (seen in tests that
    // stop an app within a second of starting it), so the forced close and the queues' close are bounded
    // too, and whatever is left has its connections dropped.
    const closed = await within(
      Promise.allSettled([
        ...this.workers.map((worker) => worker.close(true)),
        ...[...this.queues.values()].map((queue) => queue.close()),
      ]),
      FORCED_CLOSE_MS,
    );
    if (!closed) {
      this.logger.warn(
        { operation: 'queue.shutdown' },
        'queue connections did not close in time; disconnecting',
      );
      await within(
        Promise.allSettled([...this.workers, ...this.queues.values()].map((item) => item.disconnect())),
        FORCED_CLOSE_MS,
      );
    }
  }
}
