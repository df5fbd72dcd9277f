import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import { OnDomainEvent } from '../../../platform/events/subscriptions';
import { requestScope } from '../../../platform/http/request-scope';
import { QUEUES } from '../../../platform/queue/queue-names';
import { ObjectStorage } from '../../../platform/storage/object-storage';
import { CustomerFilesMetrics } from '../customer-files.metrics';
import { formatCustomerNumber } from '../customer-number';
import { CustomersRepository } from '../customers.repository';
import { FileLayout, ImportFileError, readImportFile } from './import-readers';
import {
  BatchCounts,
  CustomerImportsRepository,
  ImportRow,
  ImportStatus,
} from './customer-imports.repository';

/** success: every row imported; partial: some rows refused; failure: nothing imported. */
export function importOutcome(total: number, failed: number): Exclude<ImportStatus, 'queued' | 'processing'> {
  if (total === 0 || failed >= total) return 'failure';
  return failed === 0 ? 'success' : 'partial';
}

/**
 * Runs an import in three resumable steps, each committed with a marker on the import row:
 *   1. stage: stream the file through the parser and the per-row checks into a staging table (COPY);
 *   2. validate: the set-based checks (duplicates in the file, keys of other customers …);
 *   3. merge: batches of IMPORT_BATCH_ROWS rows, each merged in the transaction that records it.
 * A worker killed at any point leaves the import `processing`; BullMQ hands the job to another worker,
 * which redoes the unfinished step and the remaining batches, so every row is merged exactly once.
 */
@Injectable()
export class CustomerImportProcessor {
  constructor(
    private readonly imports: CustomerImportsRepository,
    private readonly customers: CustomersRepository,
    private readonly storage: ObjectStorage,
    private readonly events: EventBus,
    private readonly metrics: CustomerFilesMetrics,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CustomerImportProcessor.name);
  }

  @OnDomainEvent('CustomerImportRequested', { name: 'customers.import', queue: QUEUES.customerFiles })
  async process(event: DomainEvent<'CustomerImportRequested'>): Promise<void> {
    const claimed = await this.imports.claim(event.metadata.import_id, this.clock.now());
    if (!claimed) return; // finished already: a replayed job changes nothing
    const started = performance.now();
    const log = {
      operation: 'customer.import',
      company_id: claimed.company_id,
      user_id: claimed.requested_by,
      import_id: claimed.id,
      format: claimed.format,
      dry_run: claimed.dry_run,
    };
    let current = claimed;
    try {
      if (!current.staged_at) current = { ...current, total: await this.stage(current) };
      const failed = current.validated_at
        ? current.failed
        : await this.imports.validate(current.company_id, current.id);
      const total = current.total ?? 0;
      const finished = current.dry_run
        ? await this.finishDryRun(current, total, failed, event)
        : await this.merge(current, total, failed, event);
      await this.imports.dropStaging(current.id);
      const seconds = (performance.now() - started) / 1000;
      this.metrics.importFinished(current.company_id, current.format, finished.status, total, seconds);
      const level = finished.status === 'success' ? 'info' : 'warn';
      this.logger[level](
        {
          ...log,
          status: finished.status,
          total,
          failed: finished.failed,
          created: finished.created_count,
          updated: finished.updated_count,
          unchanged: finished.unchanged_count,
          duration_ms: Math.round(seconds * 1000),
        },
        'Customer import finished',
      );
    } catch (error) {
      if (!(error instanceof ImportFileError)) {
        this.logger.error({ ...log, err: error }, 'Customer import step failed; the job is retried');
        throw error;
      }
      const finished = await this.finish(current, 'failure', event, { error: error.message, failed: 0 });
      await this.imports.dropStaging(current.id);
      this.metrics.importFinished(
        current.company_id,
        current.format,
        'failure',
        0,
        (performance.now() - started) / 1000,
      );
      this.logger.warn({ ...log, status: finished.status, reason: error.message }, 'Customer import refused');
    }
  }

  private async stage(row: ImportRow): Promise<number> {
    const layout: FileLayout = {};
    const file = await this.storage.get(row.storage_key);
    const rows = await readImportFile(file, row.format, layout);
    const total = await this.imports.stage(row.id, rows, layout);
    if (total === 0) throw new ImportFileError('The file has no data rows');
    return total;
  }

  private async merge(
    row: ImportRow,
    total: number,
    failed: number,
    event: DomainEvent<'CustomerImportRequested'>,
  ): Promise<ImportRow> {
    await this.imports.raiseNumberCounter(row.company_id, await this.imports.highestImportedNumber(row.id));
    let current = row;
    const batchRows = this.config.IMPORT_BATCH_ROWS;
    for (let after = row.merged_through; after < total; after += batchRows) {
      const through = Math.min(after + batchRows, total);
      const missing = await this.imports.newRowsWithoutNumber(row.company_id, row.id, after, through);
      const numbers: string[] = [];
      if (missing > 0) {
        const first = await this.customers.reserveCustomerNumbers(row.company_id, missing);
        for (let n = 0; n < missing; n += 1) numbers.push(formatCustomerNumber(first + n));
      }
      current = await this.imports.transaction(async (manager) => {
        const counts = await this.imports.mergeBatch(manager, {
          companyId: row.company_id,
          importId: row.id,
          afterRow: after,
          throughRow: through,
          numbers,
          at: this.clock.now(),
          actorUserId: row.requested_by,
          correlationId: requestScope.correlationId() ?? event.correlation_id,
        });
        const recorded = await this.imports.recordBatch(manager, row.id, through, counts);
        await this.events.publish(manager, {
          type: 'CustomerImportBatchCompleted',
          companyId: row.company_id,
          userId: row.requested_by,
          metadata: { import_id: row.id, batch: recorded.batches, through_row: through, ...counts },
        });
        return recorded;
      });
    }
    return this.finish(current, importOutcome(total, failed), event, {
      failed,
      counts: {
        created: current.created_count,
        updated: current.updated_count,
        unchanged: current.unchanged_count,
      },
    });
  }

  private async finishDryRun(
    row: ImportRow,
    total: number,
    failed: number,
    event: DomainEvent<'CustomerImportRequested'>,
  ): Promise<ImportRow> {
    const counts = await this.imports.preview(row.company_id, row.id);
    return this.finish(row, importOutcome(total, failed), event, { failed, counts, processed: total });
  }

  private finish(
    row: ImportRow,
    status: Exclude<ImportStatus, 'queued' | 'processing'>,
    event: DomainEvent<'CustomerImportRequested'>,
    outcome: { failed: number; error?: string; counts?: BatchCounts; processed?: number },
  ): Promise<ImportRow> {
    return this.imports.transaction(async (manager) => {
      const finished = await this.imports.finish(
        manager,
        row.id,
        { status, error: outcome.error, counts: outcome.counts, processed: outcome.processed },
        this.clock.now(),
      );
      await this.events.publish(manager, {
        type: 'CustomersImported',
        companyId: row.company_id,
        userId: row.requested_by,
        correlationId: event.correlation_id,
        metadata: {
          import_id: row.id,
          format: row.format,
          status,
          dry_run: row.dry_run,
          total: finished.total ?? 0,
          created: finished.created_count,
          updated: finished.updated_count,
          unchanged: finished.unchanged_count,
          failed: finished.failed,
        },
      });
      return finished;
    });
  }
}
