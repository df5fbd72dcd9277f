import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { DomainEvent } from '../../platform/events/domain-event';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';
import { TicketsRepository } from './tickets.repository';
import './tickets.events';

type ByTicket = 'company_id' | 'department' | 'priority';
/** Minutes to days: first responses are due within hours, resolutions within days. */
const DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800];

/**
 * The help desk's metrics (issue 5). Counters and histograms of escalations, breaches, responses and
 * resolutions are fed from committed events (in-process listeners in the worker), so a rolled-back
 * change never counts.
 */
@Injectable()
export class TicketsMetrics {
  private readonly created: Counter<'company_id' | 'category' | 'priority' | 'channel'>;
  private readonly escalated: Counter<'company_id' | 'level' | 'reason'>;
  private readonly breaches: Counter<'company_id' | 'kind'>;
  private readonly csat: Counter<'company_id' | 'rating'>;
  private readonly firstResponse: Histogram<ByTicket>;
  private readonly resolution: Histogram<ByTicket>;

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
    this.escalated = new Counter({
      name: 'tickets_escalated_total',
      help: 'Ticket escalations, by level reached and reason',
      labelNames: ['company_id', 'level', 'reason'],
      registers: [registry],
    });
    this.breaches = new Counter({
      name: 'ticket_sla_breaches_total',
      help: 'SLA targets missed, by kind (first_response, next_response, resolution)',
      labelNames: ['company_id', 'kind'],
      registers: [registry],
    });
    this.csat = new Counter({
      name: 'support_csat_ratings_total',
      help: 'Satisfaction ratings (1-5) customers gave resolutions',
      labelNames: ['company_id', 'rating'],
      registers: [registry],
    });
    this.firstResponse = new Histogram({
      name: 'ticket_first_response_seconds',
      help: 'Time from submission to the first public staff reply',
      labelNames: ['company_id', 'department', 'priority'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    this.resolution = new Histogram({
      name: 'ticket_resolution_seconds',
      help: 'Time from submission to resolution',
      labelNames: ['company_id', 'department', 'priority'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  }

  @OnEvent('TicketEscalated')
  onEscalated(event: DomainEvent<'TicketEscalated'>): void {
    this.escalated.inc({
      company_id: this.tenant.for('tickets_escalated_total', event.company_id),
      level: String(event.metadata.to_level),
      reason: event.metadata.reason,
    });
  }

  @OnEvent('TicketSlaBreached')
  onBreached(event: DomainEvent<'TicketSlaBreached'>): void {
    this.breaches.inc({
      company_id: this.tenant.for('ticket_sla_breaches_total', event.company_id),
      kind: event.metadata.kind,
    });
  }

  @OnEvent('CsatRecorded')
  onCsat(event: DomainEvent<'CsatRecorded'>): void {
    this.csat.inc({
      company_id: this.tenant.for('support_csat_ratings_total', event.company_id),
      rating: String(event.metadata.rating),
    });
  }

  @OnEvent('TicketCommentAdded')
  onComment(event: DomainEvent<'TicketCommentAdded'>): void {
    const seconds = event.metadata.first_response_seconds;
    if (seconds === null || seconds === undefined) return;
    this.firstResponse.observe(this.byTicket('ticket_first_response_seconds', event), seconds);
  }

  @OnEvent('TicketStatusChanged')
  onStatusChanged(event: DomainEvent<'TicketStatusChanged'>): void {
    const seconds = event.metadata.resolution_seconds;
    if (seconds === null || seconds === undefined) return;
    this.resolution.observe(this.byTicket('ticket_resolution_seconds', event), seconds);
  }

  private byTicket(
    metric: string,
    event: DomainEvent<'TicketCommentAdded'> | DomainEvent<'TicketStatusChanged'>,
  ): Record<ByTicket, string> {
    return {
      company_id: this.tenant.for(metric, event.company_id),
      department: event.metadata.department ?? 'triage',
      priority: event.metadata.priority,
    };
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
