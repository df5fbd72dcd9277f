import { hostname } from 'node:os';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { requestScope } from '../http/request-scope';
import { QUEUES } from '../queue/queue-names';
import { QueueRegistry } from '../queue/queue-registry';

export type Cadence = { every: number } | { pattern: string; tz?: string };

export interface ScheduledTask {
  /** Unique and stable: the BullMQ job scheduler id and the fence key. */
  name: string;
  cadence: Cadence;
  run: (tick: Date) => Promise<void>;
}

/**
 * Runs each registered task once per tick across every worker replica. BullMQ's job scheduler makes
 * one job per tick (all replicas upsert the same scheduler id); a claim row per (task, tick) in
 * PostgreSQL fences off the rare redelivery of a stalled job, so a tick never runs twice.
 */
@Injectable()
export class TaskScheduler implements OnApplicationBootstrap {
  private readonly tasks = new Map<string, ScheduledTask>();
  readonly workerId = `${hostname()}:${process.pid}`;

  constructor(
    private readonly config: AppConfig,
    private readonly queues: QueueRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('scheduler');
  }

  /** Call from a provider's constructor or onModuleInit. */
  register(task: ScheduledTask): void {
    if (this.tasks.has(task.name)) throw new Error(`Scheduled task ${task.name} is registered twice`);
    this.tasks.set(task.name, task);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers || this.tasks.size === 0) return;
    const queue = this.queues.queue(QUEUES.scheduler);
    for (const task of this.tasks.values()) {
      await queue.upsertJobScheduler(task.name, task.cadence, {
        name: task.name,
        opts: { attempts: 3, removeOnComplete: 1000, removeOnFail: 1000 },
      });
    }
    this.queues.startWorker(QUEUES.scheduler, (job) => this.execute(job));
  }

  private async execute(job: Job): Promise<void> {
    const task = this.tasks.get(job.name);
    if (!task) return; // a scheduler left behind by an older release; nothing to run
    const tick = new Date(job.opts.prevMillis ?? job.timestamp);
    const claimed = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO scheduled_task_runs (task, tick_at, worker_id) VALUES ($1, $2, $3)
       ON CONFLICT (task, tick_at) DO NOTHING RETURNING id`,
      [task.name, tick, this.workerId],
    );
    if (claimed.length === 0) return;
    const started = performance.now();
    try {
      await requestScope.run({ correlationId: `${task.name}@${tick.toISOString()}` }, () => task.run(tick));
    } catch (error) {
      await this.dataSource.query(`DELETE FROM scheduled_task_runs WHERE id = $1`, [claimed[0].id]);
      this.logger.error({ operation: 'schedule.run', task: task.name, err: error }, 'scheduled task failed');
      throw error;
    }
    const durationMs = Math.round(performance.now() - started);
    await this.dataSource.query(
      `UPDATE scheduled_task_runs SET finished_at = now(), duration_ms = $2 WHERE id = $1`,
      [claimed[0].id, durationMs],
    );
    this.logger.info(
      {
        operation: 'schedule.run',
        task: task.name,
        tick_at: tick.toISOString(),
        worker_id: this.workerId,
        duration_ms: durationMs,
      },
      'scheduled task ran',
    );
  }
}
