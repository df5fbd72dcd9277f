/** Events the tickets module publishes. */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    TicketSubmitted: {
      ticket_number: string;
      subject: string;
      category: string;
      priority: string;
      channel: string;
    };
    TicketRouted: { ticket_number: string; department: string | null; needs_triage: boolean };
    TicketCommentAdded: {
      ticket_number: string;
      ticket_id: string;
      subject: string;
      comment_id: string;
      author_kind: 'customer' | 'staff';
      internal: boolean;
      /** The text, for public comments only: internal notes never leave the module. */
      public_body: string | null;
      /** Who handles the ticket now, so a customer's message reaches them. */
      assignee_id: string | null;
      department: string | null;
      priority: string;
      /** Set on the reply that was the ticket's first response: seconds since submission. */
      first_response_seconds: number | null;
    };
    TicketStatusChanged: {
      ticket_number: string;
      ticket_id: string;
      from_status: string;
      to_status: string;
      department: string | null;
      priority: string;
      /** Set when the ticket was resolved: seconds since submission. */
      resolution_seconds: number | null;
    };
    /** A resolved ticket opened again (by the customer, a confirmation link or staff). */
    TicketReopened: {
      ticket_number: string;
      ticket_id: string;
      assignee_id: string | null;
      reason: string | null;
    };
    /** The customer confirmed a resolution (and rated it): the ticket closed. */
    TicketResolutionConfirmed: {
      ticket_number: string;
      ticket_id: string;
      subject: string;
      rating: number;
      assignee_id: string | null;
    };
    /** A satisfaction rating (1-5) of one resolution, with what it rates. */
    CsatRecorded: {
      ticket_number: string;
      ticket_id: string;
      rating: number;
      agent_id: string | null;
      department: string | null;
      category: string;
      priority: string;
    };
    /** Staff changed priority, department or tags. */
    TicketUpdated: {
      ticket_number: string;
      ticket_id: string;
      changes: Record<string, { before: unknown; after: unknown }>;
    };
    /** A duplicate was merged into another ticket and closed. */
    TicketMerged: {
      ticket_number: string;
      ticket_id: string;
      subject: string;
      into_ticket_id: string;
      into_ticket_number: string;
    };
    TicketEscalated: {
      ticket_number: string;
      ticket_id: string;
      subject: string;
      from_level: number;
      to_level: number;
      /** `<target>_breached` or `<target>_due_soon`. */
      reason: string;
      notify_role: string;
      notify_customer: boolean;
      department: string | null;
      priority: string;
      assignee_id: string | null;
    };
    /** An admin changed the escalation rules: open tickets' plans are recomputed. */
    TicketEscalationRulesChanged: { rules: number };
    TicketSlaBreached: {
      ticket_number: string;
      ticket_id: string;
      kind: string;
      due_at: string;
      department: string | null;
      priority: string;
    };
    TicketAssigned: {
      ticket_number: string;
      ticket_id: string;
      subject: string;
      assignee_id: string;
      previous_assignee_id: string | null;
    };
  }
}

export {};
