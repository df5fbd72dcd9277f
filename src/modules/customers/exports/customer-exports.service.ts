import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { borrowPgClient } from '../../../platform/database/pg-client';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import { OnDomainEvent } from '../../../platform/events/subscriptions';
import { DomainException } from '../../../platform/http/domain-exception';
import { QUEUES } from '../../../platform/queue/queue-names';
import { ObjectStorage } from '../../../platform/storage/object-storage';
import { CustomerFilesMetrics } from '../customer-files.metrics';
import type { CustomerFilter } from '../customers.repository';
import {
  CustomerExportsRepository,
  ExportFormat,
  ExportRow,
  exportCopySql,
} from './customer-exports.repository';
import { ByteCounter, JsonLinesToArray } from './export-stream';

/** The bounded `filter_type` label of seed 002: which filter an export used, or `multiple`. */
export function filterType(filter: CustomerFilter): string {
  const used = [
    filter.status && 'status',
    filter.tag && 'tag',
    (filter.createdFrom || filter.createdTo) && 'created',
    filter.search && 'search',
    filter.includeDeleted && 'include_deleted',
  ].filter(Boolean) as string[];
  if (used.length === 0) return 'none';
  return used.length === 1 ? used[0] : 'multiple';
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** One export produced: what CustomersExported says of it. */
interface Exported {
  companyId: string;
  userId: string | null;
  /** Null for a streamed export, which has no stored row. */
  exportId: string | null;
  format: ExportFormat;
  filter: CustomerFilter;
  rows: number;
  bytes: number;
}

interface ExportStream {
  stream: Readable;
  /** Settles when the last byte has gone out (or the stream failed): rows and bytes written. */
  done: Promise<{ rows: number; bytes: number }>;
}

/**
 * Customer exports (seed 002 §4): PostgreSQL writes the rows with COPY … TO STDOUT and they are piped
 * straight to the HTTP response or to object storage, so memory stays flat whatever the size. Large
 * exports can also run as a job that stores the file (`POST /v1/customers/exports`).
 */
@Injectable()
export class CustomerExportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: CustomerExportsRepository,
    private readonly storage: ObjectStorage,
    private readonly events: EventBus,
    private readonly metrics: CustomerFilesMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CustomerExportsService.name);
  }

  /** Streams an export to the caller; the event, metrics and log follow once it has been sent whole. */
  async stream(principal: Principal, format: ExportFormat, filter: CustomerFilter): Promise<Readable> {
    const started = performance.now();
    const { stream, done } = await this.copy(principal.companyId, format, filter);
    done.then(
      async ({ rows, bytes }) => {
        const exported: Exported = {
          companyId: principal.companyId,
          userId: principal.userId,
          exportId: null,
          format,
          filter,
          rows,
          bytes,
        };
        await this.repository.transaction((manager) => this.publishExported(manager, exported));
        this.metrics.exportGeneratedOnce(principal.companyId, format, filterType(filter), bytes);
        this.logger.info(
          {
            operation: 'customer.export',
            company_id: principal.companyId,
            user_id: principal.userId,
            format,
            filter_type: filterType(filter),
            rows,
            size_bytes: bytes,
            duration_ms: Math.round(performance.now() - started),
          },
          'Customer export streamed',
        );
      },
      (error: Error) =>
        this.logger.warn(
          { operation: 'customer.export', company_id: principal.companyId, err: error },
          'Customer export stopped before its end',
        ),
    );
    return stream;
  }

  async request(principal: Principal, format: ExportFormat, filter: CustomerFilter): Promise<ExportRow> {
    return this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, {
        id: randomUUID(),
        company_id: principal.companyId,
        requested_by: principal.userId,
        format,
        filter,
        filter_type: filterType(filter),
        created_at: this.clock.now(),
      });
      await this.events.publish(manager, {
        type: 'CustomerExportRequested',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { export_id: row.id, format },
      });
      return row;
    });
  }

  async get(principal: Principal, id: string): Promise<ExportRow> {
    const row = await this.repository.find(principal.companyId, id);
    if (!row) throw DomainException.notFound('Export');
    return row;
  }

  async open(principal: Principal, id: string): Promise<{ row: ExportRow; stream: Readable }> {
    const row = await this.get(principal, id);
    if (row.status !== 'generated' || !row.storage_key) {
      throw new DomainException(
        'conflict',
        'export-not-ready',
        `The export is ${row.status}; poll it until generated`,
      );
    }
    return { row, stream: await this.storage.get(row.storage_key) };
  }

  /** Writes a stored export; a retried job overwrites the same key and records it once. */
  @OnDomainEvent('CustomerExportRequested', { name: 'customers.export', queue: QUEUES.customerFiles })
  async generate(event: DomainEvent<'CustomerExportRequested'>): Promise<void> {
    const row = await this.repository.claim(event.metadata.export_id);
    if (!row) return;
    const key = `customer-exports/${row.company_id}/${row.id}.${row.format}`;
    const { stream, done } = await this.copy(row.company_id, row.format, row.filter);
    await this.storage.put(key, stream);
    const { rows, bytes } = await done;
    await this.repository.transaction(async (manager) => {
      await this.repository.finish(
        manager,
        row.id,
        { storageKey: key, sizeBytes: bytes, rows },
        this.clock.now(),
      );
      await this.publishExported(manager, {
        companyId: row.company_id,
        userId: row.requested_by,
        exportId: row.id,
        format: row.format,
        filter: row.filter,
        rows,
        bytes,
      });
    });
    this.metrics.exportGeneratedOnce(row.company_id, row.format, row.filter_type, bytes);
    this.logger.info(
      {
        operation: 'customer.export.store',
        company_id: row.company_id,
        export_id: row.id,
        rows,
        size_bytes: bytes,
      },
      'Customer export stored',
    );
  }

  private async copy(companyId: string, format: ExportFormat, filter: CustomerFilter): Promise<ExportStream> {
    const { client, release } = await borrowPgClient(this.dataSource);
    let source: ReturnType<typeof copyTo>;
    try {
      source = client.query(copyTo(exportCopySql(client, companyId, filter, format)));
    } catch (error) {
      release(true);
      throw error;
    }
    const counter = new ByteCounter();
    const stream: Readable =
      format === 'json'
        ? pipeline(source, new JsonLinesToArray(), counter, () => undefined)
        : pipeline(source, counter, () => undefined);
    const done = new Promise<{ rows: number; bytes: number }>((resolve, reject) => {
      stream.once('end', () => {
        release(false);
        resolve({ rows: source.rowCount, bytes: counter.bytes });
      });
      stream.once('close', () => {
        if (!stream.readableEnded) {
          release(true); // the COPY was cut off: the connection is mid-protocol, never reuse it
          reject(new Error('export stream closed before its end'));
        }
      });
    });
    done.catch(() => undefined);
    return { stream, done };
  }

  private publishExported(
    manager: Parameters<EventBus['publish']>[0],
    { companyId, userId, exportId, format, filter, rows, bytes }: Exported,
  ) {
    return this.events.publish(manager, {
      type: 'CustomersExported',
      companyId,
      userId,
      metadata: { export_id: exportId, format, filter_type: filterType(filter), rows, size_bytes: bytes },
    });
  }
}
