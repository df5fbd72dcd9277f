import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';

/** `record_count` as a bounded label: the decade a file's row count falls in, never the raw number. */
export function recordCountBucket(rows: number): string {
  if (rows < 1_000) return '<1k';
  if (rows < 10_000) return '1k-10k';
  if (rows < 100_000) return '10k-100k';
  if (rows < 1_000_000) return '100k-1m';
  return '>=1m';
}

/** Seed 002's import and export metrics, named and labelled as the seed. */
@Injectable()
export class CustomerFilesMetrics {
  private readonly importProcessed: Counter<'company_id' | 'format' | 'status'>;
  private readonly importFailed: Counter<'company_id' | 'format'>;
  private readonly importDuration: Histogram<'company_id' | 'format' | 'record_count'>;
  private readonly exportGenerated: Counter<'company_id' | 'format' | 'filter_type'>;
  private readonly exportSize: Histogram<'company_id' | 'format'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
  ) {
    this.importProcessed = new Counter({
      name: 'customer_import_processed_total',
      help: 'Customer imports finished, by outcome (success, partial, failure)',
      labelNames: ['company_id', 'format', 'status'],
      registers: [registry],
    });
    this.importFailed = new Counter({
      name: 'customer_import_failed_total',
      help: 'Customer imports that failed as a whole (no row imported)',
      labelNames: ['company_id', 'format'],
      registers: [registry],
    });
    this.importDuration = new Histogram({
      name: 'customer_import_processing_duration_seconds',
      help: 'Time from the start of parsing to the last row merged',
      labelNames: ['company_id', 'format', 'record_count'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    });
    this.exportGenerated = new Counter({
      name: 'customer_export_generated_total',
      help: 'Customer exports produced (streamed or stored)',
      labelNames: ['company_id', 'format', 'filter_type'],
      registers: [registry],
    });
    this.exportSize = new Histogram({
      name: 'customer_export_file_size_bytes',
      help: 'Size of customer exports',
      labelNames: ['company_id', 'format'],
      buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 5e7, 1e8, 5e8, 1e9],
      registers: [registry],
    });
  }

  importFinished(companyId: string, format: string, status: string, rows: number, seconds: number): void {
    this.importProcessed.inc({
      company_id: this.tenant.for('customer_import_processed_total', companyId),
      format,
      status,
    });
    if (status === 'failure')
      this.importFailed.inc({
        company_id: this.tenant.for('customer_import_failed_total', companyId),
        format,
      });
    this.importDuration.observe(
      {
        company_id: this.tenant.for('customer_import_processing_duration_seconds', companyId),
        format,
        record_count: recordCountBucket(rows),
      },
      seconds,
    );
  }

  exportGeneratedOnce(companyId: string, format: string, filterType: string, bytes: number): void {
    this.exportGenerated.inc({
      company_id: this.tenant.for('customer_export_generated_total', companyId),
      format,
      filter_type: filterType,
    });
    this.exportSize.observe(
      { company_id: this.tenant.for('customer_export_file_size_bytes', companyId), format },
      bytes,
    );
  }
}
