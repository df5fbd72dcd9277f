import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { MetricsRegistry } from '../../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../../platform/metrics/tenant-label';
import { BUCKET_RANGES } from './aging-definitions';
import { AgingRepository } from './aging.repository';
import './aging.events';

/** What an aging calculation was: the live report (GET) or a stored snapshot by its trigger. */
export type AgingCalculation = 'live' | 'scheduled' | 'on_demand';

/**
 * Aging's metrics, named as seed 002: snapshots taken (counted from committed AgingSnapshotRefreshed
 * events), the bucket distribution of each company's latest snapshot (read at scrape time, so every
 * process reports it and a restart loses nothing), and how long calculations take (seed 002's
 * "Aging Calculation" target is 5 s p95, alert at 10 s; both are bucket bounds).
 */
@Injectable()
export class AgingMetrics {
  private readonly updated: Counter<'company_id' | 'trigger'>;
  private readonly duration: Histogram<'trigger'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    repository: AgingRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(AgingMetrics.name);
    this.updated = new Counter({
      name: 'customer_aging_updated_total',
      help: 'Aging snapshots completed, by trigger (scheduled, on_demand)',
      labelNames: ['company_id', 'trigger'],
      registers: [registry],
    });
    new Gauge({
      name: 'customer_aging_bucket_distribution',
      help: "Invoices with a balance in each aging bucket (days past due) of the company's latest snapshot",
      labelNames: ['company_id', 'bucket'],
      registers: [registry],
      async collect() {
        const rows = await repository.latestDistribution().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const row of rows) {
          const company = tenant.for('customer_aging_bucket_distribution', row.company_id);
          for (const range of BUCKET_RANGES) {
            this.inc({ company_id: company, bucket: range.bucket }, Number(row[`${range.column}_invoices`]));
          }
        }
      },
    });
    this.duration = new Histogram({
      name: 'customer_aging_calculation_duration_seconds',
      help: 'Time to compute aging: the live report, or a snapshot by trigger',
      labelNames: ['trigger'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    });
  }

  @OnEvent('AgingSnapshotRefreshed')
  onRefreshed(event: DomainEvent<'AgingSnapshotRefreshed'>): void {
    try {
      this.updated.inc({
        company_id: this.tenant.for('customer_aging_updated_total', event.company_id),
        trigger: event.metadata.trigger,
      });
    } catch (error) {
      this.logger.warn({ operation: 'aging.metrics', err: error }, 'aging metric not recorded');
    }
  }

  calculated(trigger: AgingCalculation, seconds: number): void {
    this.duration.observe({ trigger }, seconds);
  }
}
