import type { ReminderStage } from './reminder-plan';

/** A payment reminder as it was decided: one per invoice and schedule offset, ever. */
export interface InvoiceReminderFacts {
  reminder_id: string;
  invoice_id: string;
  invoice_number: string;
  /** Days from the due date the schedule said (negative = before). */
  offset_days: number;
  /** From the day it was sent: `overdue` once the due date has passed. */
  stage: ReminderStage;
  due_date: string;
  /** The scan's day (UTC), YYYY-MM-DD. */
  reminded_on: string;
  balance_minor: number;
  currency: string;
  /** What the customer reads: the balance formatted in its currency, and when it is (or was) due. */
  display: { amount_due: string; due_in: string; overdue_by: string };
}

/** Events of the dunning part of the invoices module. */
declare module '../../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /**
     * A reminder of an unpaid invoice is due and recorded; the notifications module sends it to the
     * customer (email and in-app), once per invoice and offset.
     */
    InvoiceReminderSent: InvoiceReminderFacts;
  }
}
