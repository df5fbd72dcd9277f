/**
 * Events of the invoice ledger. Amounts are integer minor units of `currency`; dates `YYYY-MM-DD`.
 * The aging, reminders and payments modules react to these.
 */
declare module '../../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A draft became an open receivable (after the credit check, possibly overridden). */
    InvoiceIssued: {
      invoice_id: string;
      invoice_number: string;
      currency: string;
      total_minor: number;
      balance_minor: number;
      issue_date: string;
      due_date: string;
      /** A manager or admin overrode a credit limit breach to issue it. */
      override_used: boolean;
    };
    /** A draft or an open invoice without allocations was voided: it is owed no more. */
    InvoiceVoided: {
      invoice_id: string;
      invoice_number: string;
      currency: string;
      total_minor: number;
      previous_status: string;
      reason: string;
    };
    /** Money was allocated to an invoice (by staff, or by a payment): its balance fell. */
    PaymentAllocated: {
      invoice_id: string;
      invoice_number: string;
      allocation_id: string;
      amount_minor: number;
      currency: string;
      allocated_on: string;
      source: 'manual' | 'payment';
      payment_id: string | null;
      allocated_minor: number;
      balance_minor: number;
      /** The invoice's status afterwards: partially_paid or paid. */
      status: string;
    };
  }
}

export {};
