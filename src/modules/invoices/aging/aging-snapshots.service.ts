import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import type { DeliveryAttempt } from '../../../platform/events/subscriber-registry';
import { OnDomainEvent } from '../../../platform/events/subscriptions';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, DEFAULT_LIMIT, PageQuery, toPage } from '../../../platform/http/pagination';
import { AgingBasis, agingPath, utcDate } from './aging-definitions';
import { agingPage, BUCKET_NAMES, decodeAgingCursor } from './aging-response';
import { AgingMetrics } from './aging.metrics';
import { AgingRepository, SnapshotRow } from './aging.repository';
import { resolveAsOf } from './aging.service';
import type { RequestSnapshotDto } from './dto/aging.dto';
import './aging.events';

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);

export const snapshotResponse = (row: SnapshotRow) => ({
  id: row.id,
  status: row.status,
  as_of: row.as_of,
  basis: row.basis,
  trigger: row.trigger,
  requested_by: row.requested_by,
  requested_at: iso(row.requested_at),
  started_at: iso(row.started_at),
  completed_at: iso(row.completed_at),
  duration_ms: row.duration_ms,
  customers: row.customers,
  invoices: row.invoices,
  error: row.error,
});

/**
 * Stored aging snapshots. A request writes a pending snapshot and publishes AgingSnapshotRequested in
 * one transaction (outbox); the durable `aging.snapshot` subscriber computes it in the worker with one
 * INSERT … SELECT and marks it done, publishing AgingSnapshotRefreshed, all in one transaction under
 * the snapshot's row lock, so a redelivered job finds it done and changes nothing.
 */
@Injectable()
export class AgingSnapshotsService {
  constructor(
    private readonly repository: AgingRepository,
    private readonly events: EventBus,
    private readonly metrics: AgingMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(AgingSnapshotsService.name);
  }

  /** On demand: answers the pending snapshot at once (202); poll it until `done`. */
  async request(principal: Principal, input: RequestSnapshotDto) {
    const now = this.clock.now();
    const asOf = resolveAsOf(input.as_of, now);
    const basis: AgingBasis = input.basis ?? 'due_date';
    const snapshot = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insertSnapshot(manager, {
        companyId: principal.companyId,
        asOf,
        basis,
        trigger: 'on_demand',
        requestedBy: principal.userId,
        at: now,
      });
      await this.events.publish(manager, {
        type: 'AgingSnapshotRequested',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { snapshot_id: row.id, as_of: asOf, basis, trigger: 'on_demand' },
      });
      return row;
    });
    this.logger.info(
      {
        operation: 'aging.snapshot_request',
        company_id: principal.companyId,
        user_id: principal.userId,
        snapshot_id: snapshot.id,
        as_of: asOf,
        basis,
      },
      'Aging snapshot requested',
    );
    return snapshotResponse(snapshot);
  }

  /** The nightly run: a scheduled snapshot for every company with open invoices, once per day each. */
  async requestScheduled(asOf: string): Promise<number> {
    const now = this.clock.now();
    return this.repository.transaction(async (manager) => {
      const rows = await this.repository.requestScheduled(manager, asOf, now);
      await this.events.publish(
        manager,
        ...rows.map((row) => ({
          type: 'AgingSnapshotRequested' as const,
          companyId: row.company_id,
          metadata: { snapshot_id: row.id, as_of: asOf, basis: row.basis, trigger: 'scheduled' as const },
        })),
      );
      return rows.length;
    });
  }

  /** Durable: computes the snapshot; idempotent (a done snapshot is left as it is). */
  @OnDomainEvent('AgingSnapshotRequested', { name: 'aging.snapshot' })
  async compute(event: DomainEvent<'AgingSnapshotRequested'>, attempt?: DeliveryAttempt): Promise<void> {
    const companyId = event.company_id;
    const id = event.metadata.snapshot_id;
    await this.repository.markRunning(companyId, id, this.clock.now());
    const started = performance.now();
    try {
      const done = await this.repository.transaction(async (manager) => {
        const snapshot = await this.repository.lockSnapshot(manager, companyId, id);
        if (!snapshot || snapshot.status === 'done' || snapshot.status === 'failed') return undefined;
        const now = this.clock.now();
        const counts = await this.repository.computeSnapshot(
          manager,
          {
            companyId,
            asOf: snapshot.as_of,
            basis: snapshot.basis,
            path: agingPath(snapshot.as_of, utcDate(now)),
          },
          id,
        );
        const durationMs = Math.round(performance.now() - started);
        const row = await this.repository.completeSnapshot(manager, id, {
          at: this.clock.now(),
          durationMs,
          customers: counts.customers,
          invoices: counts.invoices,
        });
        await this.events.publish(manager, {
          type: 'AgingSnapshotRefreshed',
          companyId,
          userId: event.user_id,
          correlationId: event.correlation_id,
          metadata: {
            snapshot_id: id,
            as_of: row.as_of,
            basis: row.basis,
            trigger: row.trigger,
            customers: counts.customers,
            invoices: counts.invoices,
            duration_ms: durationMs,
          },
        });
        return row;
      });
      if (!done) return;
      this.metrics.calculated(done.trigger, (done.duration_ms ?? 0) / 1000);
      this.logger.info(
        {
          operation: 'aging.snapshot',
          company_id: companyId,
          snapshot_id: id,
          trigger: done.trigger,
          as_of: done.as_of,
          customers: done.customers,
          invoices: done.invoices,
          duration_ms: done.duration_ms,
        },
        'Aging snapshot refreshed',
      );
    } catch (error) {
      const final = attempt !== undefined && attempt.attempt >= attempt.maxAttempts;
      const log = { operation: 'aging.snapshot', company_id: companyId, snapshot_id: id, err: error };
      if (!final) {
        this.logger.warn(log, 'Aging snapshot failed; it will be retried');
        throw error;
      }
      await this.repository.failSnapshot(companyId, id, (error as Error).message, this.clock.now());
      this.logger.error(log, 'Aging snapshot failed');
    }
  }

  /** The snapshot with, once done, its totals and one page of customer rows. */
  async get(principal: Principal, id: string, query: PageQuery) {
    const snapshot = await this.repository.snapshot(principal.companyId, id);
    if (!snapshot) throw DomainException.notFound('Aging snapshot');
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor ? decodeAgingCursor(query.cursor) : undefined;
    if (snapshot.status !== 'done') return snapshotResponse(snapshot);
    const rows = await this.repository.snapshotRows(principal.companyId, id, { limit, after });
    return { ...snapshotResponse(snapshot), buckets: BUCKET_NAMES, ...agingPage(rows, limit) };
  }

  /** Newest first. */
  async list(principal: Principal, query: PageQuery) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listSnapshots(principal.companyId, limit, after);
    return toPage(
      rows,
      limit,
      (row) => ({ at: new Date(row.requested_at).toISOString(), id: row.id }),
      snapshotResponse,
    );
  }
}
