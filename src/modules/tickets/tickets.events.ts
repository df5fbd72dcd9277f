/** Events the tickets module publishes (more arrive with comments, SLAs and escalation). */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    TicketSubmitted: { ticket_number: string; category: string; priority: string; channel: string };
    TicketRouted: { ticket_number: string; department: string | null; needs_triage: boolean };
  }
}

export {};
