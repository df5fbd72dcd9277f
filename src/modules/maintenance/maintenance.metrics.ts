import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';
import { NOTIFICATION_SENT, NotificationSent } from '../notifications/notifications.events';
import { MAINTENANCE_SEVERITIES, MaintenanceSeverity, NOTICE_TYPES } from './maintenance-window';

const OUR_TYPES = new Set(Object.values(NOTICE_TYPES));

/**
 * `maintenance_notifications_sent_total{company_id,severity,channel}`: maintenance notices that actually
 * went out (handed to SMTP, written to the inbox), one per recipient and channel. Counted when the
 * notifications module reports a delivery sent, so suppressed (opted out) and failed deliveries never
 * count, and a retried job never counts twice.
 */
@Injectable()
export class MaintenanceMetrics {
  private readonly sent: Counter<'company_id' | 'severity' | 'channel'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(MaintenanceMetrics.name);
    this.sent = new Counter({
      name: 'maintenance_notifications_sent_total',
      help: 'Maintenance notices sent to customers, by window severity and channel',
      labelNames: ['company_id', 'severity', 'channel'],
      registers: [registry],
    });
  }

  @OnEvent(NOTIFICATION_SENT)
  onSent(sent: NotificationSent): void {
    try {
      if (!OUR_TYPES.has(sent.type)) return;
      const severity = sent.data.severity as MaintenanceSeverity;
      this.sent.inc({
        company_id: this.tenant.for('maintenance_notifications_sent_total', sent.company_id),
        severity: MAINTENANCE_SEVERITIES.includes(severity) ? severity : 'unknown',
        channel: sent.channel,
      });
    } catch (error) {
      this.logger.warn({ operation: 'maintenance.metrics', err: error }, 'Could not count a sent notice');
    }
  }
}
