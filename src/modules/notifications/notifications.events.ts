import type { NotificationChannelName } from './notification.types';

/** Events the notifications module publishes. */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A delivery was queued: the durable `notifications.deliver` subscriber sends it. */
    NotificationDeliveryQueued: { delivery_id: string; channel: NotificationChannelName; type: string };
  }
}

/**
 * In-process, after a delivery was handed over by its channel (sent): for other modules' metrics of
 * what actually went out. It may be lost (a crash after the send), so never build durable work on it.
 */
export const NOTIFICATION_SENT = 'notifications.delivery-sent';
export interface NotificationSent {
  company_id: string;
  type: string;
  channel: NotificationChannelName;
  /** The data the notification was requested with. */
  data: Record<string, unknown>;
}
