import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';

/** `tickets_created_total{company_id,category,priority,channel}` (SLA and escalation metrics follow). */
@Injectable()
export class TicketsMetrics {
  private readonly created: Counter<'company_id' | 'category' | 'priority' | 'channel'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
  ) {
    this.created = new Counter({
      name: 'tickets_created_total',
      help: 'Tickets submitted, by category, priority and channel',
      labelNames: ['company_id', 'category', 'priority', 'channel'],
      registers: [registry],
    });
  }

  ticketCreated(companyId: string, category: string, priority: string, channel: string): void {
    this.created.inc({
      company_id: this.tenant.for('tickets_created_total', companyId),
      category,
      priority,
      channel,
    });
  }
}
