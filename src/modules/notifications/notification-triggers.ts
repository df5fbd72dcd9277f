import { Injectable } from '@nestjs/common';
import type { DomainEvent } from '../../platform/events/domain-event';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { DomainException } from '../../platform/http/domain-exception';
import { CompaniesService } from '../companies/companies.service';
import { StaffService } from '../staff/staff.service';
import '../customers/customers.events';
import '../tickets/tickets.events';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

const LEVEL_NAMES: Record<number, string> = { 1: 'team lead', 2: 'manager', 3: 'director' };

/** `resolution_breached` → "the resolution target was missed"; `first_response_due_soon` → "… is due soon". */
function describeReason(reason: string): string {
  const breached = reason.endsWith('_breached');
  const target = reason.replace(/_(breached|due_soon)$/, '').replace(/_/g, ' ');
  return breached ? `the ${target} target was missed` : `the ${target} target is due soon`;
}

/** The domain events companies may receive as webhooks. */
export const WEBHOOK_EVENT_TYPES = [
  'CustomerCreated',
  'CustomerUpdated',
  'CustomerDeleted',
  'CustomerRestored',
  'CustomerStatusChanged',
] as const;

/**
 * What other modules' events turn into: durable subscribers, so an event committed is a notification
 * requested, exactly once (the event id is the idempotency key).
 */
@Injectable()
export class NotificationTriggers {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly repository: NotificationsRepository,
    private readonly companies: CompaniesService,
    private readonly staff: StaffService,
  ) {}

  /** Tell the customer their account status changed; a block is critical and ignores opt-outs. */
  @OnDomainEvent('CustomerStatusChanged', { name: 'notifications.customer-status-changed' })
  async customerStatusChanged(event: DomainEvent<'CustomerStatusChanged'>): Promise<void> {
    if (!event.customer_id) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'customer.status_changed',
      severity: event.metadata.to_status === 'blocked' ? 'critical' : 'normal',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        company_name: await this.companies.nameOf(event.company_id),
        from_status: event.metadata.from_status,
        to_status: event.metadata.to_status,
        reason: event.metadata.reason,
      },
      recipients: [{ kind: 'customer', id: event.customer_id }],
    });
  }

  /** Confirm a customer's ticket (seed 001: email confirmation to users). */
  @OnDomainEvent('TicketSubmitted', { name: 'notifications.ticket-submitted' })
  async ticketSubmitted(event: DomainEvent<'TicketSubmitted'>): Promise<void> {
    if (!event.customer_id) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.submitted',
      idempotencyKey: `event:${event.event_id}`,
      data: { ticket_number: event.metadata.ticket_number, subject: event.metadata.subject },
      recipients: [{ kind: 'customer', id: event.customer_id, channels: ['email', 'in_app'] }],
    });
  }

  /** An agent's public reply reaches the customer by email and in-app; internal notes never do. */
  @OnDomainEvent('TicketCommentAdded', { name: 'notifications.ticket-reply' })
  async ticketReply(event: DomainEvent<'TicketCommentAdded'>): Promise<void> {
    const { internal, author_kind: author, public_body: reply } = event.metadata;
    if (internal || author !== 'staff' || reply === null || !event.customer_id) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.reply',
      idempotencyKey: `event:${event.event_id}`,
      data: { ticket_number: event.metadata.ticket_number, subject: event.metadata.subject, reply },
      recipients: [{ kind: 'customer', id: event.customer_id, channels: ['email', 'in_app'] }],
    });
  }

  /** The assignee hears of a new assignment, and of every customer message on their tickets (in-app). */
  @OnDomainEvent('TicketAssigned', { name: 'notifications.ticket-assigned' })
  async ticketAssigned(event: DomainEvent<'TicketAssigned'>): Promise<void> {
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.assigned',
      idempotencyKey: `event:${event.event_id}`,
      data: { ticket_number: event.metadata.ticket_number, subject: event.metadata.subject },
      recipients: [{ kind: 'user', id: event.metadata.assignee_id, channels: ['in_app'] }],
    });
  }

  @OnDomainEvent('TicketCommentAdded', { name: 'notifications.ticket-customer-message' })
  async ticketCustomerMessage(event: DomainEvent<'TicketCommentAdded'>): Promise<void> {
    const { author_kind: author, assignee_id: assignee, department, public_body: message } = event.metadata;
    if (author !== 'customer' || message === null) return;
    const recipients = assignee
      ? [{ kind: 'user' as const, id: assignee, channels: ['in_app' as const] }]
      : department
        ? [{ kind: 'role' as const, role: 'agent', department, channels: ['in_app' as const] }]
        : [];
    if (recipients.length === 0) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.customer_message',
      idempotencyKey: `event:${event.event_id}`,
      data: { ticket_number: event.metadata.ticket_number, subject: event.metadata.subject, message },
      recipients,
    });
  }

  /**
   * An escalation reaches the new level's people (the role in the ticket's department, or company-wide
   * when the department has nobody in it) and the assignee; the customer when the rule says so.
   */
  @OnDomainEvent('TicketEscalated', { name: 'notifications.ticket-escalated' })
  async ticketEscalated(event: DomainEvent<'TicketEscalated'>): Promise<void> {
    const m = event.metadata;
    const channels: Array<'email' | 'in_app'> = ['email', 'in_app'];
    const inDepartment =
      m.department !== null &&
      (await this.staff.find(event.company_id, { role: m.notify_role, department: m.department })).length > 0;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.escalated',
      severity: m.to_level >= 3 ? 'critical' : 'normal',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        ticket_number: m.ticket_number,
        subject: m.subject,
        priority: m.priority,
        level: m.to_level,
        level_name: LEVEL_NAMES[m.to_level] ?? `level ${m.to_level}`,
        reason_text: describeReason(m.reason),
      },
      recipients: [
        { kind: 'role', role: m.notify_role, department: inDepartment ? m.department! : undefined, channels },
        ...(m.assignee_id ? [{ kind: 'user' as const, id: m.assignee_id, channels }] : []),
      ],
    });
    if (m.notify_customer && event.customer_id) {
      await this.notifications.request({
        companyId: event.company_id,
        type: 'ticket.escalated_notice',
        idempotencyKey: `event:${event.event_id}:customer`,
        data: { ticket_number: m.ticket_number, subject: m.subject },
        recipients: [{ kind: 'customer', id: event.customer_id, channels }],
      });
    }
  }

  /** The agent who resolved a ticket hears the customer's verdict and rating. */
  @OnDomainEvent('TicketResolutionConfirmed', { name: 'notifications.ticket-confirmed' })
  async ticketConfirmed(event: DomainEvent<'TicketResolutionConfirmed'>): Promise<void> {
    const { assignee_id: assignee } = event.metadata;
    if (!assignee) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.confirmed',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        ticket_number: event.metadata.ticket_number,
        subject: event.metadata.subject,
        rating: event.metadata.rating,
      },
      recipients: [{ kind: 'user', id: assignee, channels: ['in_app', 'email'] }],
    });
  }

  /** The requester of a merged duplicate learns where the conversation continues. */
  @OnDomainEvent('TicketMerged', { name: 'notifications.ticket-merged' })
  async ticketMerged(event: DomainEvent<'TicketMerged'>): Promise<void> {
    if (!event.customer_id) return;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'ticket.merged',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        ticket_number: event.metadata.ticket_number,
        subject: event.metadata.subject,
        into_ticket_number: event.metadata.into_ticket_number,
      },
      recipients: [{ kind: 'customer', id: event.customer_id, channels: ['email', 'in_app'] }],
    });
  }

  /**
   * A payment reminder (dunning) reaches the invoice's customer by email and in-app, once per invoice and
   * offset. The invoices module decides and words it (InvoiceReminderSent); it lives here because the
   * invoices module cannot import this one (NotificationsModule → CustomersModule → InvoicesModule).
   */
  @OnDomainEvent('InvoiceReminderSent', { name: 'notifications.invoice-reminder' })
  async invoiceReminder(event: DomainEvent<'InvoiceReminderSent'>): Promise<void> {
    const m = event.metadata;
    if (!event.customer_id) return;
    try {
      await this.notifications.request({
        companyId: event.company_id,
        type: m.stage === 'overdue' ? 'invoice.reminder_overdue' : 'invoice.reminder_before',
        idempotencyKey: `invoice-reminder:${m.invoice_id}:${m.offset_days}`,
        data: {
          company_name: await this.companies.nameOf(event.company_id),
          invoice_number: m.invoice_number,
          due_date: m.due_date,
          ...m.display,
        },
        recipients: [{ kind: 'customer', id: event.customer_id, channels: ['email', 'in_app'] }],
      });
    } catch (error) {
      // The customer was deleted or erased since: there is nobody to remind, and retrying will not help.
      if (error instanceof DomainException && error.kind === 'not_found') return;
      throw error;
    }
  }

  @OnDomainEvent([...WEBHOOK_EVENT_TYPES], { name: 'notifications.webhooks' })
  async webhooks(event: DomainEvent): Promise<void> {
    const endpoints = await this.repository.endpointsFor(event.company_id, event.type);
    if (endpoints.length === 0) return;
    await this.notifications.requestWebhooks({
      companyId: event.company_id,
      eventType: event.type,
      idempotencyKey: `webhook:${event.event_id}`,
      endpoints,
      body: { ...event },
    });
  }
}
