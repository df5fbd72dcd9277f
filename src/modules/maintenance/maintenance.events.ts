/** What every maintenance event carries: the window as it was when the event happened. */
export interface MaintenanceWindowFacts {
  window_id: string;
  /** Bumped each time the window's times or services change. */
  version: number;
  starts_at: string;
  ends_at: string;
  services: string[];
  severity: 'info' | 'minor' | 'major' | 'critical';
  message: string;
}

/** Events the maintenance module publishes. */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** An admin scheduled a window; customers hear of it when it is announced (48 h ahead, or at once). */
    MaintenanceScheduled: MaintenanceWindowFacts & { announce_at: string };
    /** The affected customers were (or are being) told of an upcoming window. */
    MaintenanceAnnounced: MaintenanceWindowFacts;
    /** Times or services changed; `customers_told` says whether anyone had heard of the window yet. */
    MaintenanceRescheduled: MaintenanceWindowFacts & {
      previous_starts_at: string;
      previous_ends_at: string;
      previous_services: string[];
      customers_told: boolean;
    };
    MaintenanceStarted: MaintenanceWindowFacts;
    MaintenanceCompleted: MaintenanceWindowFacts;
    /** Called off before or during the work; those already told hear of it. */
    MaintenanceCancelled: MaintenanceWindowFacts & {
      previous_status: 'scheduled' | 'in_progress';
      reason: string | null;
    };
  }
}
