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
    /** A file was accepted for import; the customer-files worker processes it. */
    CustomerImportRequested: { import_id: string; format: string; dry_run: boolean };
    /** One batch of an import merged (seed 002), in the transaction that merged it. */
    CustomerImportBatchCompleted: {
      import_id: string;
      batch: number;
      through_row: number;
      created: number;
      updated: number;
      unchanged: number;
    };
    /** An import finished, whatever its outcome (seed 002). */
    CustomersImported: {
      import_id: string;
      format: string;
      status: 'success' | 'partial' | 'failure';
      dry_run: boolean;
      total: number;
      created: number;
      updated: number;
      unchanged: number;
      failed: number;
    };
    /** A stored export was requested; the customer-files worker writes it. */
    CustomerExportRequested: { export_id: string; format: string };
    /** An export was produced, streamed or stored (seed 002). */
    CustomersExported: {
      export_id: string | null;
      format: string;
      filter_type: string;
      rows: number;
      size_bytes: number;
    };
    CustomerStatusChanged: {
      customer_number: string;
      from_status: CustomerStatus;
      to_status: CustomerStatus;
      reason: string;
    };
  }
}
