import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';

interface Pending {
  /** The transaction depth (1 = the outer transaction, 2+ = savepoints) the work was queued at. */
  depth: number;
  run: () => void;
}

const depthOf = (runner: QueryRunner): number =>
  (runner as unknown as { transactionDepth?: number }).transactionDepth ?? 1;

/**
 * Runs side effects (log lines, metric increments) once the caller's transaction has committed, and
 * drops them when it rolls back, so a CUSTOMER_EVENT line never describes an event the database does not
 * hold. A TypeORM subscriber: TypeORM broadcasts commit and rollback of every query runner of the data
 * source. Work queued inside a savepoint is dropped when that savepoint rolls back.
 */
@Injectable()
export class JourneyCommitHook implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, Pending[]>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(JourneyCommitHook.name);
    dataSource.subscribers.push(this);
  }

  /** Runs `work` after `manager`'s transaction commits, or now when there is no open transaction. */
  afterCommit(manager: EntityManager | undefined, work: () => void): void {
    const runner = manager?.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      this.safely(work);
      return;
    }
    const queue = this.pending.get(runner) ?? [];
    queue.push({ depth: depthOf(runner), run: work });
    this.pending.set(runner, queue);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    const queue = this.pending.get(runner);
    if (!queue) return;
    if (runner.isTransactionActive) {
      // A savepoint was released: its work now belongs to the enclosing level.
      const depth = depthOf(runner);
      for (const item of queue) item.depth = Math.min(item.depth, depth);
      return;
    }
    this.pending.delete(runner);
    for (const item of queue) this.safely(item.run);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner;
    const queue = this.pending.get(runner);
    if (!queue) return;
    if (!runner.isTransactionActive) {
      this.pending.delete(runner);
      return;
    }
    const depth = depthOf(runner);
    this.pending.set(
      runner,
      queue.filter((item) => item.depth <= depth),
    );
  }

  private safely(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.logger.warn(
        { operation: 'journeys.after_commit', err: error },
        'A post-commit side effect failed',
      );
    }
  }
}
