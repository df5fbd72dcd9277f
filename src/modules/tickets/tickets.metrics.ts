import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';
import { TicketsRepository } from './tickets.repository';

/** `tickets_created_total{company_id,category,priority,channel}`, `tickets_open` (SLA and escalation metrics follow). */
@Injectable()
export class TicketsMetrics {
  private readonly created: Counter<'company_id' | 'category' | 'priority' | 'channel'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    repository: TicketsRepository,
  ) {
    new Gauge({
      name: 'tickets_open',
      help: 'Tickets not yet resolved or closed, by department and priority',
      labelNames: ['company_id', 'department', 'priority'],
      registers: [registry],
      async collect() {
        const rows = await repository.openCounts().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const row of rows) {
          this.set(
            {
              company_id: tenant.for('tickets_open', row.company_id),
              department: row.department ?? 'triage',
              priority: row.priority,
            },
            row.n,
          );
        }
      },
    });
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
