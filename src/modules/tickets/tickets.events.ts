/** Events the tickets module publishes (SLA, escalation and merge events follow). */
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
    };
    TicketStatusChanged: { ticket_number: string; ticket_id: string; from_status: string; to_status: string };
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
