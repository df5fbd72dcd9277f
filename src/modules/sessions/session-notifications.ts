import { Injectable } from '@nestjs/common';
import type { DomainEvent } from '../../platform/events/domain-event';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { NotificationsService } from '../notifications/notifications.service';
import type { TerminationReason } from './session-types';
import './sessions.events';

/** What the customer reads about an end, by reason; causes the controller reports fall back to the last. */
const END_TEXTS: Partial<Record<TerminationReason, string>> = {
  data_cap: 'you have used all the data in your package',
  session_timeout: 'your package time is up',
  user_request: 'you ended it',
  admin_reset: 'our support team ended it',
  idle_timeout: 'it was idle for too long',
  lost_carrier: 'your device disconnected',
};
const OTHER_END = 'the access point closed it';

const bytesText = (bytes: number): string => {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
};

/**
 * Tells the customer their session started, ended (and why) or could not start because the payment
 * failed. Durable subscribers: the event id is the idempotency key, so each is sent once.
 */
@Injectable()
export class SessionNotifications {
  constructor(private readonly notifications: NotificationsService) {}

  @OnDomainEvent('SessionStarted', { name: 'sessions.notify-started' })
  async started(event: DomainEvent<'SessionStarted'>): Promise<void> {
    const m = event.metadata;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'session.started',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        package_name: m.package_name,
        expires_at: m.expires_at,
        data_allowance: m.data_cap_bytes === null ? 'unlimited data' : bytesText(m.data_cap_bytes),
      },
      recipients: [{ kind: 'customer', id: event.customer_id! }],
    });
  }

  @OnDomainEvent('SessionTerminated', { name: 'sessions.notify-ended' })
  async ended(event: DomainEvent<'SessionTerminated'>): Promise<void> {
    const m = event.metadata;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'session.ended',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        package_name: m.package_name,
        reason: m.reason,
        reason_text: END_TEXTS[m.reason] ?? OTHER_END,
        data_used: bytesText(m.bytes_in + m.bytes_out),
        duration_minutes: Math.round(m.duration_seconds / 60),
      },
      recipients: [{ kind: 'customer', id: event.customer_id! }],
    });
  }

  @OnDomainEvent('SessionPaymentFailed', { name: 'sessions.notify-payment-failed' })
  async paymentFailed(event: DomainEvent<'SessionPaymentFailed'>): Promise<void> {
    const m = event.metadata;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'session.payment_failed',
      idempotencyKey: `event:${event.event_id}`,
      data: { package_name: m.package_name, error_message: m.error_message },
      recipients: [{ kind: 'customer', id: event.customer_id! }],
    });
  }
}
