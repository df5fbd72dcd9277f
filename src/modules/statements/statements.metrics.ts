import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';

const GENERATED = 'customer_statement_generated_total';
const DURATION = 'customer_statement_generation_duration_seconds';
const FAILED = 'customer_statement_generation_failed_total';

/**
 * Seed 002's statement metrics, named as the seed. `period_months` is `1`…`24` or `custom` (a from/to
 * period that is not whole calendar months): at most 25 values. The duration runs from the request
 * (the statement row's creation) to the document being stored, so queueing counts, as the seed says.
 */
@Injectable()
export class StatementsMetrics {
  private readonly generated: Counter<'company_id' | 'format' | 'delivery_method'>;
  private readonly duration: Histogram<'company_id' | 'format' | 'period_months'>;
  private readonly failed: Counter<'company_id' | 'format'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
  ) {
    this.generated = new Counter({
      name: GENERATED,
      help: 'Customer statements generated (document stored)',
      labelNames: ['company_id', 'format', 'delivery_method'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: DURATION,
      help: 'Time from a statement request to its document being stored',
      labelNames: ['company_id', 'format', 'period_months'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.failed = new Counter({
      name: FAILED,
      help: 'Customer statements whose generation failed for good (after the last attempt)',
      labelNames: ['company_id', 'format'],
      registers: [registry],
    });
  }

  statementGenerated(
    companyId: string,
    labels: { format: string; deliveryMethod: string; periodMonths: string },
    seconds: number,
  ): void {
    this.generated.inc({
      company_id: this.tenant.for(GENERATED, companyId),
      format: labels.format,
      delivery_method: labels.deliveryMethod,
    });
    this.duration.observe(
      {
        company_id: this.tenant.for(DURATION, companyId),
        format: labels.format,
        period_months: labels.periodMonths,
      },
      seconds,
    );
  }

  statementFailed(companyId: string, format: string): void {
    this.failed.inc({ company_id: this.tenant.for(FAILED, companyId), format });
  }
}
