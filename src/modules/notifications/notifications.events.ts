import type { NotificationChannelName } from './notification.types';

/** Events the notifications module publishes. */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A delivery was queued: the durable `notifications.deliver` subscriber sends it. */
    NotificationDeliveryQueued: { delivery_id: string; channel: NotificationChannelName; type: string };
  }
}

export {};
