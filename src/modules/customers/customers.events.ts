import type { CustomerSource, CustomerStatus } from './entities/customer.entity';

export const DELETE_REASONS = [
  'customer_request',
  'duplicate',
  'fraud',
  'gdpr_erasure',
  'inactivity',
  'other',
] as const;
export type DeleteReason = (typeof DELETE_REASONS)[number];
export type DeleteMode = 'soft' | 'hard' | 'anonymized';

/** The events the customers module publishes (seed 002's customer lifecycle events). */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    CustomerCreated: { customer_number: string; status: CustomerStatus; source: CustomerSource };
    CustomerUpdated: { customer_number: string; fields_changed: string[] };
    CustomerDeleted: { customer_number: string; mode: DeleteMode; reason: DeleteReason };
    CustomerRestored: { customer_number: string };
    CustomerStatusChanged: {
      customer_number: string;
      from_status: CustomerStatus;
      to_status: CustomerStatus;
      reason: string;
    };
  }
}
