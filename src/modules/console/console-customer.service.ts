import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../platform/auth/principal';
import { maskPiiInText } from '../../platform/logging/pii';
import { BankAccountsService } from '../bank-accounts/bank-accounts.service';
import { CustomersService } from '../customers/customers.service';
import {
  AgingFigures,
  CREDIT_SERVICE,
  type CreditService,
  InvoicesService,
} from '../invoices/invoices.service';
import { JourneysService } from '../journeys/journeys.service';
import { NotificationsService } from '../notifications/notifications.service';
import { PaymentsService } from '../payments/payments.service';
import { SessionsService } from '../sessions/sessions.service';
import { TicketsService } from '../tickets/tickets.service';
import { auditSummary } from './console-audit';
import { permissionsFor } from './console-permissions';

/** How many of each list the page shows (newest first). */
export const CONSOLE_LIMITS = {
  journeyEvents: 50,
  tickets: 20,
  payments: 20,
  sessions: 20,
  notifications: 20,
  bankAccounts: 20,
  audit: 30,
} as const;

const iso = (at: Date | string | null): string | null => (at === null ? null : new Date(at).toISOString());

/**
 * The customer page of the support console (issue 13): everything support needs about one customer in
 * one answer, composed from the owning modules' services. One visibility check (a foreign or missing id
 * is a 404), then every read at once, each bounded. Only what the page shows is copied out: masked
 * account numbers (last four), no card numbers, device keys, voucher codes, message contents or
 * journey fields. Free text written by people or peers (ticket subjects, delivery errors, audit reasons)
 * has its long digit runs and email addresses masked to the last four (maskPiiInText): a customer who
 * types a card or account number into a subject does not put it on an agent's screen.
 */
@Injectable()
export class ConsoleCustomerService {
  constructor(
    private readonly customers: CustomersService,
    @Inject(CREDIT_SERVICE) private readonly credit: CreditService,
    private readonly invoices: InvoicesService,
    private readonly journeys: JourneysService,
    private readonly tickets: TicketsService,
    private readonly payments: PaymentsService,
    private readonly sessions: SessionsService,
    private readonly notifications: NotificationsService,
    private readonly bankAccounts: BankAccountsService,
  ) {}

  async document(principal: Principal, customerId: string) {
    const customer = await this.customers.get(principal, customerId);
    const companyId = principal.companyId;
    const [
      credit,
      aging,
      journey,
      tickets,
      payments,
      activeSessions,
      recentSessions,
      deliveries,
      bankRequests,
      audit,
    ] = await Promise.all([
      this.credit.credit(principal, customerId),
      this.invoices.customerAging(companyId, customerId),
      this.journeys.customerOverview(companyId, customerId, CONSOLE_LIMITS.journeyEvents),
      this.tickets.supportOverview(companyId, customerId, CONSOLE_LIMITS.tickets),
      this.payments.list(principal, { customer_id: customerId, limit: CONSOLE_LIMITS.payments }),
      this.sessions.list(principal, {
        customer_id: customerId,
        status: 'active',
        limit: CONSOLE_LIMITS.sessions,
      }),
      this.sessions.list(principal, { customer_id: customerId, limit: CONSOLE_LIMITS.sessions }),
      this.notifications.recentDeliveriesToCustomer(companyId, customerId, CONSOLE_LIMITS.notifications),
      this.bankAccounts.recentRequests(companyId, customerId, CONSOLE_LIMITS.bankAccounts),
      this.customers.recentAudit(companyId, customerId, CONSOLE_LIMITS.audit),
    ]);

    const sessions = [...activeSessions.data];
    for (const session of recentSessions.data) {
      if (!sessions.some((s) => s.id === session.id)) sessions.push(session);
    }

    return {
      customer: {
        id: customer.id,
        customer_number: customer.customerNumber,
        name: customer.name,
        email: customer.email,
        phone: customer.phone,
        status: customer.status,
        created_at: customer.createdAt.toISOString(),
        tags: customer.tags,
      },
      credit: creditSection(credit, aging),
      journey: {
        events: journey.events.map((event) => ({
          id: event.id,
          flow: event.flow,
          stage: event.stage,
          stage_name: event.stage_name,
          status: event.status,
          error_type: event.error_type,
          duration_ms: event.duration_ms,
          normal_max_ms: event.normal_max_ms,
          occurred_at: event.occurred_at,
          response_text: event.response_text,
        })),
        stuck: journey.stuck && {
          stage: journey.stuck.stage,
          stage_name: journey.stuck.stage_name,
          since: journey.stuck.since,
          stuck_for_ms: journey.stuck.stuck_for_ms,
          normal_max_ms: journey.stuck.normal_max_ms,
          check: journey.stuck.check,
        },
      },
      tickets: tickets.map((ticket) => ({
        id: ticket.id,
        number: ticket.ticket_number,
        subject: maskPiiInText(ticket.subject),
        status: ticket.status,
        priority: ticket.priority,
        escalation_level: ticket.escalation_level,
        first_response_due_at: iso(ticket.first_response_due_at),
        resolution_due_at: iso(ticket.resolution_due_at),
        breached: ticket.breached,
        created_at: iso(ticket.created_at),
      })),
      payments: payments.data.map((payment) => ({
        id: payment.id,
        amount_minor: payment.amount_minor,
        currency: payment.currency,
        status: payment.status,
        error_code: payment.error_code,
        error_class: payment.error_class,
        created_at: payment.created_at,
      })),
      sessions: sessions.map((session) => ({
        id: session.id,
        package_name: session.package_name,
        status: session.status,
        started_at: session.started_at,
        expires_at: session.expires_at,
        bytes_in: session.usage.bytes_in,
        bytes_out: session.usage.bytes_out,
        data_cap_bytes: session.data_cap_bytes,
      })),
      notifications: deliveries.map((delivery) => ({
        delivery_id: delivery.id,
        template: delivery.type,
        channel: delivery.channel,
        status: delivery.status,
        attempts: delivery.attempts,
        last_error: delivery.last_error === null ? null : maskPiiInText(delivery.last_error),
        created_at: iso(delivery.created_at),
        sent_at: iso(delivery.sent_at),
      })),
      bank_accounts: bankRequests.map((request) => ({
        request_id: request.id,
        status: request.status,
        account_last4: request.account_last4,
        created_at: iso(request.created_at),
        error_type: request.error_type,
      })),
      audit: audit.map((entry) => ({
        at: iso(entry.occurred_at),
        actor: entry.actor_user_id,
        action: entry.action,
        summary: maskPiiInText(auditSummary(entry)),
      })),
      permissions: permissionsFor(principal.roles),
    };
  }
}

/**
 * Limit, exposure, what is left, utilisation (exposure ÷ limit, 0.42 = 42 %) and the aging buckets in the
 * limit's currency; null for a customer with no limit who owes nothing. Without a limit, limit_minor,
 * available_minor and utilisation are null.
 */
function creditSection(
  credit: {
    currency: string;
    limit_minor: number | null;
    exposure_minor: number;
    available_minor: number | null;
    utilisation_bp: number | null;
  },
  aging: AgingFigures[],
) {
  const figures = aging.find((line) => line.currency.trim() === credit.currency);
  if (credit.limit_minor === null && credit.exposure_minor === 0 && !figures) return null;
  const bucket = (name: keyof AgingFigures['buckets']) => figures?.buckets[name].amount_minor ?? 0;
  return {
    currency: credit.currency,
    limit_minor: credit.limit_minor,
    exposure_minor: credit.exposure_minor,
    available_minor: credit.available_minor,
    utilisation: credit.utilisation_bp === null ? null : credit.utilisation_bp / 10_000,
    aging: {
      current: bucket('current'),
      d1_30: bucket('1-30'),
      d31_60: bucket('31-60'),
      d61_90: bucket('61-90'),
      d90_plus: bucket('90+'),
    },
  };
}
