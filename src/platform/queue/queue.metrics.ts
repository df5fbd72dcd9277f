import { Injectable } from '@nestjs/common';
import type { JobType, Queue } from 'bullmq';
import { Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { QUEUES } from './queue-names';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
const COUNT_TIMEOUT_MS = 1000;

/**
 * `bullmq_queue_jobs{queue,state}` and `bullmq_job_duration_seconds{queue,status}`. Every queue's failed
 * series starts at 0, so the first failed job after a start is an increase the error-rate rules see.
 */
@Injectable()
export class QueueMetrics {
  private readonly duration: Histogram<'queue' | 'status'>;
  private queues: () => Queue[] = () => [];

  constructor(registry: MetricsRegistry) {
    const source = (): Queue[] => this.queues();
    new Gauge({
      name: 'bullmq_queue_jobs',
      help: 'Jobs per BullMQ queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        await Promise.all(
          source().map(async (queue) => {
            const counts = await countJobs(queue, ...STATES);
            if (!counts) return; // Redis away: keep the last values rather than fail the scrape
            for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    this.duration = new Histogram({
      name: 'bullmq_job_duration_seconds',
      help: 'Time a job took to process, by queue and outcome',
      labelNames: ['queue', 'status'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    for (const queue of Object.values(QUEUES)) this.duration.zero({ queue, status: 'failed' });
  }

  observeQueues(queues: () => Queue[]): void {
    this.queues = queues;
  }

  startJobTimer(queue: string): (status: 'completed' | 'failed') => void {
    const end = this.duration.startTimer({ queue });
    return (status) => end({ status });
  }
}

/** Job counts of a queue, or undefined when Redis does not answer within a second (never hangs a scrape). */
export function countJobs(queue: Queue, ...states: JobType[]): Promise<Record<string, number> | undefined> {
  return withTimeout(queue.getJobCounts(...states));
}

async function withTimeout<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
