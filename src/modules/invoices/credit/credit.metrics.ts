import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter, Gauge } from 'prom-client';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { MetricsRegistry } from '../../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../../platform/metrics/tenant-label';
import { CreditRepository } from './credit.repository';
import './credit.events';

const ADJUSTED = 'customer_credit_limit_adjusted_total';
const BREACHES = 'customer_credit_breach_total';
const UTILISATION = 'customer_credit_utilization_histogram';

/**
 * Seed 002's credit metrics, names and labels as the seed gives them. Counters are fed from committed
 * events (in-process listeners in the worker), so a rolled-back change never counts.
 *
 * `customer_credit_utilization_histogram{company_id,utilization_bucket}` is, as the seed describes it,
 * a distribution by a `utilization_bucket` label updated by a nightly batch: a Prometheus histogram
 * (cumulative `le` buckets of observations) cannot carry that label or be "set" nightly, so it is a
 * gauge per bucket whose value is the number of customers in it at the last nightly calculation. It
 * reads the stored snapshot on every scrape, so every replica reports the same figures.
 */
@Injectable()
export class CreditMetrics {
  private readonly adjusted: Counter<'company_id' | 'adjustment_type' | 'status'>;
  private readonly breaches: Counter<'company_id' | 'severity' | 'override_used'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    repository: CreditRepository,
  ) {
    this.adjusted = new Counter({
      name: ADJUSTED,
      help: 'Credit limit adjustment requests, counted when requested (pending) and when decided (approved, rejected)',
      labelNames: ['company_id', 'adjustment_type', 'status'],
      registers: [registry],
    });
    this.breaches = new Counter({
      name: BREACHES,
      help: 'Invoices that would take a customer over its credit limit, by severity and whether an override issued them',
      labelNames: ['company_id', 'severity', 'override_used'],
      registers: [registry],
    });
    new Gauge({
      name: UTILISATION,
      help: 'Customers with a credit limit per utilisation bucket (exposure / limit), as of the last nightly calculation',
      labelNames: ['company_id', 'utilization_bucket'],
      registers: [registry],
      async collect() {
        const rows = await repository.snapshots().catch(() => undefined);
        if (!rows) return;
        this.reset();
        // Tenants past the label cap fold into `other`: add them up rather than overwrite.
        for (const row of rows) {
          this.inc(
            { company_id: tenant.for(UTILISATION, row.company_id), utilization_bucket: row.bucket },
            row.customers,
          );
        }
      },
    });
  }

  @OnEvent('CreditLimitAdjustmentRequested')
  onRequested(event: DomainEvent<'CreditLimitAdjustmentRequested'>): void {
    this.countAdjustment(event.company_id, event.metadata.adjustment_type, 'pending');
  }

  @OnEvent('CreditLimitAdjusted')
  onAdjusted(event: DomainEvent<'CreditLimitAdjusted'>): void {
    this.countAdjustment(event.company_id, event.metadata.adjustment_type, 'approved');
  }

  @OnEvent('CreditLimitAdjustmentRejected')
  onRejected(event: DomainEvent<'CreditLimitAdjustmentRejected'>): void {
    this.countAdjustment(event.company_id, event.metadata.adjustment_type, 'rejected');
  }

  @OnEvent('CreditLimitBreached')
  onBreached(event: DomainEvent<'CreditLimitBreached'>): void {
    this.breaches.inc({
      company_id: this.tenant.for(BREACHES, event.company_id),
      severity: event.metadata.severity,
      override_used: String(event.metadata.override_used),
    });
  }

  private countAdjustment(companyId: string, type: string, status: string): void {
    this.adjusted.inc({ company_id: this.tenant.for(ADJUSTED, companyId), adjustment_type: type, status });
  }
}
