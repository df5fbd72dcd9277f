import { SetMetadata } from '@nestjs/common';
import { QUEUES, QueueName } from '../queue/queue-names';
import type { DomainEventType } from './domain-event';

export const DOMAIN_EVENT_SUBSCRIBER = 'custops:domain-event-subscriber';

export interface SubscriberOptions {
  /** Unique, stable name: part of every job id, so renaming it re-delivers history. */
  name: string;
  queue?: QueueName;
}

export interface SubscriberMetadata extends Required<SubscriberOptions> {
  types: DomainEventType[];
}

/**
 * Marks a provider method as a durable subscriber: each matching event becomes a BullMQ job with id
 * `<event_id>__<name>`, retried until it succeeds. The method must be idempotent (it may run twice).
 */
export const OnDomainEvent = (
  types: DomainEventType | DomainEventType[],
  options: SubscriberOptions,
): MethodDecorator =>
  SetMetadata<string, SubscriberMetadata>(DOMAIN_EVENT_SUBSCRIBER, {
    types: Array.isArray(types) ? types : [types],
    name: options.name,
    queue: options.queue ?? QUEUES.events,
  });

export function subscriberJobId(eventId: string, subscriber: string): string {
  return `${eventId}__${subscriber}`;
}
