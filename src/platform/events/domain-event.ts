/**
 * Modules declare their events by augmenting this interface (event type → metadata shape) in their
 * `<module>.events.ts`:
 *
 *   declare module '../../platform/events/domain-event' {
 *     interface DomainEventCatalogue { CustomerCreated: { customer_number: string } }
 *   }
 *
 * so `publish` and subscribers are typed end to end from one catalogue.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEventCatalogue {}

export type DomainEventType = Extract<keyof DomainEventCatalogue, string>;

/** The seed 002 envelope: what every subscriber receives and every log query can rely on. */
export interface DomainEvent<T extends DomainEventType = DomainEventType> {
  event_id: string;
  type: T;
  company_id: string;
  user_id: string | null;
  customer_id: string | null;
  timestamp: string;
  metadata: DomainEventCatalogue[T];
  correlation_id: string | null;
}

export interface PublishInput<T extends DomainEventType> {
  type: T;
  companyId: string;
  userId?: string | null;
  customerId?: string | null;
  metadata: DomainEventCatalogue[T];
  /** Defaults to the correlation id of the request or job being served. */
  correlationId?: string | null;
}
