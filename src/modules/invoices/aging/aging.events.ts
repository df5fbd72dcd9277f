import type { AgingBasis, AgingTrigger } from './aging-definitions';

/** Events aging publishes (seed 002: AgingSnapshotRefreshed). */
declare module '../../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A snapshot was asked for (on demand or by the nightly run); the `aging.snapshot` subscriber computes it. */
    AgingSnapshotRequested: {
      snapshot_id: string;
      as_of: string;
      basis: AgingBasis;
      trigger: AgingTrigger;
    };
    /** A snapshot's figures are stored and readable. */
    AgingSnapshotRefreshed: {
      snapshot_id: string;
      as_of: string;
      basis: AgingBasis;
      trigger: AgingTrigger;
      customers: number;
      invoices: number;
      duration_ms: number;
    };
  }
}

export {};
