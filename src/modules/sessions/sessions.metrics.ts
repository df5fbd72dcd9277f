import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { DomainEvent } from '../../platform/events/domain-event';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';
import { SessionsRepository } from './sessions.repository';
import './sessions.events';

/**
 * Seed 003's WiFi KPIs, Prometheus-style (issue 10 names them):
 * - `sessions_active{company_id,package}`: live sessions, read from the database at each scrape (every
 *   process reports the same figure; dashboards take max);
 * - `sessions_started_total{company_id,package,source}`, `sessions_terminated_total{company_id,reason}`,
 *   `session_duration_seconds{package}` and `package_revenue_minor_total{company_id,package,currency}`,
 *   counted from committed events (once each, in the worker that relays them);
 * - `session_data_bytes_total{company_id,direction}`: bytes the access controllers reported, counted
 *   by the process that accepted the report, after its commit.
 */
@Injectable()
export class SessionsMetrics {
  private readonly started: Counter<'company_id' | 'package' | 'source'>;
  private readonly terminated: Counter<'company_id' | 'reason'>;
  private readonly duration: Histogram<'package'>;
  private readonly dataBytes: Counter<'company_id' | 'direction'>;
  private readonly revenue: Counter<'company_id' | 'package' | 'currency'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    private readonly logger: PinoLogger,
    repository: SessionsRepository,
  ) {
    logger.setContext(SessionsMetrics.name);
    new Gauge({
      name: 'sessions_active',
      help: 'WiFi sessions active now, by package',
      labelNames: ['company_id', 'package'],
      registers: [registry],
      async collect() {
        const rows = await repository.activeCounts().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const row of rows) {
          this.set(
            { company_id: tenant.for('sessions_active', row.company_id), package: row.package_name },
            row.n,
          );
        }
      },
    });
    this.started = new Counter({
      name: 'sessions_started_total',
      help: 'WiFi sessions started, by package and source (purchase, voucher)',
      labelNames: ['company_id', 'package', 'source'],
      registers: [registry],
    });
    this.terminated = new Counter({
      name: 'sessions_terminated_total',
      help: 'WiFi sessions ended, by reason (RADIUS Acct-Terminate-Cause in snake case, or data_cap)',
      labelNames: ['company_id', 'reason'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'session_duration_seconds',
      help: 'How long WiFi sessions lasted, from start to end',
      labelNames: ['package'],
      buckets: [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400],
      registers: [registry],
    });
    this.dataBytes = new Counter({
      name: 'session_data_bytes_total',
      help: 'Bytes used by WiFi sessions as reported by access controllers, by direction (in, out)',
      labelNames: ['company_id', 'direction'],
      registers: [registry],
    });
    this.revenue = new Counter({
      name: 'package_revenue_minor_total',
      help: 'Money taken for WiFi packages, in minor units of the currency',
      labelNames: ['company_id', 'package', 'currency'],
      registers: [registry],
    });
  }

  /** After the commit of a batch of usage reports. */
  usage(companyId: string, bytesIn: bigint, bytesOut: bigint): void {
    const company = this.tenant.for('session_data_bytes_total', companyId);
    if (bytesIn > 0n) this.dataBytes.inc({ company_id: company, direction: 'in' }, Number(bytesIn));
    if (bytesOut > 0n) this.dataBytes.inc({ company_id: company, direction: 'out' }, Number(bytesOut));
  }

  @OnEvent('SessionStarted')
  onStarted(event: DomainEvent<'SessionStarted'>): void {
    this.count(() =>
      this.started.inc({
        company_id: this.tenant.for('sessions_started_total', event.company_id),
        package: event.metadata.package_name,
        source: event.metadata.source,
      }),
    );
  }

  @OnEvent('SessionTerminated')
  onTerminated(event: DomainEvent<'SessionTerminated'>): void {
    this.count(() => {
      const m = event.metadata;
      this.terminated.inc({
        company_id: this.tenant.for('sessions_terminated_total', event.company_id),
        reason: m.reason,
      });
      this.duration.observe({ package: m.package_name }, m.duration_seconds);
    });
  }

  @OnEvent('PackagePurchased')
  onPurchased(event: DomainEvent<'PackagePurchased'>): void {
    this.count(() =>
      this.revenue.inc(
        {
          company_id: this.tenant.for('package_revenue_minor_total', event.company_id),
          package: event.metadata.package_name,
          currency: event.metadata.currency,
        },
        event.metadata.amount_minor,
      ),
    );
  }

  private count(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.logger.warn({ operation: 'sessions.metrics', err: error }, 'Could not count a session event');
    }
  }
}
