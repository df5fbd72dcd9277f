import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import { OnDomainEvent } from '../../../platform/events/subscriptions';
import { DomainException } from '../../../platform/http/domain-exception';
import { TaskScheduler } from '../../../platform/scheduling/task-scheduler';
import { NotificationsService } from '../../notifications/notifications.service';
import type { TicketRow } from '../tickets.repository';
import { TicketsRepository } from '../tickets.repository';
import { TicketsService } from '../tickets.service';
import { ConfirmationLinks } from './confirmation-links';
import type { ConfirmResolutionDto, RespondToResolutionDto } from './resolution.dto';
import { ResolutionRequestRow, TicketResolutionRepository } from './ticket-resolution.repository';
import '../tickets.events';

const DAY_MS = 24 * 3600 * 1000;
const AUTO_CLOSE_BATCH = 1000;

const linkProblem = (fault: 'invalid' | 'expired' | 'used' | 'superseded'): DomainException => {
  switch (fault) {
    case 'invalid':
      return DomainException.notFound('Confirmation link');
    case 'expired':
      return new DomainException('gone', 'confirmation-link-expired', 'This confirmation link has expired');
    case 'used':
      return new DomainException('gone', 'confirmation-link-used', 'This confirmation link was already used');
    case 'superseded':
      return new DomainException(
        'invalid_state',
        'resolution-superseded',
        'The ticket has changed since this resolution; there is nothing to confirm',
      );
  }
};

/**
 * Seed 001 workflow 5: every resolution asks the customer to confirm it with a 1-5 rating, or to
 * reopen the ticket, by a signed single-use link (email) or in the portal (in-app). Tickets nobody
 * answers close by themselves after TICKET_AUTO_CLOSE_DAYS.
 */
@Injectable()
export class TicketResolutionService {
  private readonly links: ConfirmationLinks;

  constructor(
    private readonly repository: TicketResolutionRepository,
    private readonly tickets: TicketsService,
    private readonly ticketRows: TicketsRepository,
    private readonly notifications: NotificationsService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    scheduler: TaskScheduler,
  ) {
    this.links = new ConfirmationLinks(config.JWT_SECRET);
    scheduler.register({
      name: 'tickets.auto-close',
      cadence: { every: 3_600_000 },
      run: () => this.autoClose().then(() => undefined),
    });
  }

  /** Durable: a resolution gets one request, and its customer one email and in-app notice. */
  @OnDomainEvent('TicketStatusChanged', { name: 'tickets.resolution-request' })
  async requestConfirmation(event: DomainEvent<'TicketStatusChanged'>): Promise<void> {
    if (event.metadata.to_status !== 'resolved') return;
    const ticket = await this.ticketRows.findById(event.company_id, event.metadata.ticket_id);
    if (!ticket || ticket.status !== 'resolved' || !ticket.resolved_at) return; // reopened meanwhile
    const resolvedAt = new Date(ticket.resolved_at);
    const request = await this.repository.requestFor(
      ticket.company_id,
      ticket.id,
      resolvedAt,
      new Date(resolvedAt.getTime() + this.config.TICKET_AUTO_CLOSE_DAYS * DAY_MS),
      this.clock.now(),
    );
    if (!ticket.customer_id || request.outcome !== null) return;
    const token = await this.links.sign(request.id, new Date(request.expires_at));
    await this.notifications.request({
      companyId: ticket.company_id,
      type: 'ticket.resolved',
      idempotencyKey: `resolution:${request.id}`,
      data: {
        ticket_number: ticket.ticket_number,
        subject: ticket.subject,
        confirm_url: `${this.config.PORTAL_URL.replace(/\/$/, '')}/tickets/confirm?token=${token}`,
        days: this.config.TICKET_AUTO_CLOSE_DAYS,
      },
      recipients: [{ kind: 'customer', id: ticket.customer_id, channels: ['email', 'in_app'] }],
    });
  }

  /** What a confirmation link is about, for the page that shows it (no account needed). */
  async view(token: string) {
    const request = await this.requestOf(token);
    const ticket = await this.ticketRows.findById(request.company_id, request.ticket_id);
    if (!ticket) throw linkProblem('invalid');
    return {
      ticket_number: ticket.ticket_number,
      subject: ticket.subject,
      resolved_at: new Date(request.resolved_at).toISOString(),
      expires_at: new Date(request.expires_at).toISOString(),
      answered: request.outcome !== null,
    };
  }

  /** The link's answer: confirm (with a rating) or reopen. Once. */
  async respond(token: string, input: RespondToResolutionDto) {
    const { requestId } = await this.verified(token);
    return this.repository.transaction(async (manager) => {
      const request = await this.repository.lock(manager, requestId);
      if (!request) throw linkProblem('invalid');
      return this.answer(manager, request, input);
    });
  }

  /** In the portal: the customer confirms their own resolved ticket with a rating. */
  async confirmAsCustomer(principal: Principal, ticketId: string, input: ConfirmResolutionDto) {
    if (!principal.customerId) throw DomainException.notFound('Ticket');
    return this.repository.transaction(async (manager) => {
      const ticket = await this.ticketRows.lock(manager, principal.companyId, ticketId, principal.customerId);
      if (!ticket) throw DomainException.notFound('Ticket');
      const request = await this.repository.lockOpenFor(manager, ticketId);
      if (!request) {
        throw new DomainException(
          'invalid_state',
          'nothing-to-confirm',
          'The ticket has no resolution to confirm',
        );
      }
      return this.answer(manager, request, { action: 'confirm', ...input });
    });
  }

  /** Closes resolved tickets nobody confirmed or reopened in time (scheduled, set-based, batched). */
  async autoClose(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.TICKET_AUTO_CLOSE_DAYS * DAY_MS);
    let total = 0;
    for (let batch = AUTO_CLOSE_BATCH; batch === AUTO_CLOSE_BATCH; total += batch) {
      batch = await this.repository.transaction(async (manager) => {
        const closed = await this.repository.autoClose(manager, cutoff, now, AUTO_CLOSE_BATCH);
        await this.events.publish(
          manager,
          ...closed.map((ticket) => ({
            type: 'TicketStatusChanged' as const,
            companyId: ticket.company_id,
            customerId: ticket.customer_id,
            metadata: {
              ticket_number: ticket.ticket_number,
              ticket_id: ticket.id,
              from_status: 'resolved',
              to_status: 'closed',
              department: ticket.department,
              priority: ticket.priority,
              resolution_seconds: null,
            },
          })),
        );
        return closed.length;
      });
    }
    return total;
  }

  private async answer(
    manager: EntityManager,
    request: ResolutionRequestRow,
    input: Omit<RespondToResolutionDto, 'token'>,
  ) {
    const now = this.clock.now();
    if (request.outcome !== null) throw linkProblem(request.outcome === 'superseded' ? 'superseded' : 'used');
    if (new Date(request.expires_at).getTime() < now.getTime()) throw linkProblem('expired');
    const ticket = await this.ticketRows.lock(manager, request.company_id, request.ticket_id);
    const current =
      ticket?.status === 'resolved' &&
      ticket.resolved_at !== null &&
      new Date(ticket.resolved_at).getTime() === new Date(request.resolved_at).getTime();
    if (!ticket || !current) throw linkProblem('superseded');
    if (input.action === 'reopen') {
      this.tickets.requireTransition(ticket, 'open', 'customer', now);
      await this.tickets.applyTransition(
        manager,
        ticket,
        'open',
        ticket.customer_id,
        now,
        input.reason ?? 'not_resolved',
      );
      await this.repository.answer(manager, request.id, 'reopened', now);
      return { ticket_id: ticket.id, ticket_number: ticket.ticket_number, outcome: 'reopened' };
    }
    await this.confirm(manager, ticket, request, input.rating!, input.feedback ?? null, now);
    return {
      ticket_id: ticket.id,
      ticket_number: ticket.ticket_number,
      outcome: 'confirmed',
      rating: input.rating,
    };
  }

  private async confirm(
    manager: EntityManager,
    ticket: TicketRow,
    request: ResolutionRequestRow,
    rating: number,
    feedback: string | null,
    now: Date,
  ): Promise<void> {
    await this.repository.recordRating(manager, {
      companyId: ticket.company_id,
      ticketId: ticket.id,
      requestId: request.id,
      rating,
      feedback,
      agentId: ticket.assignee_id,
      department: ticket.department,
      category: ticket.category,
      priority: ticket.priority,
      at: now,
    });
    await this.tickets.applyTransition(manager, ticket, 'closed', ticket.customer_id, now, 'confirmed');
    await this.repository.answer(manager, request.id, 'confirmed', now);
    const common = {
      companyId: ticket.company_id,
      userId: ticket.customer_id,
      customerId: ticket.customer_id,
    };
    await this.events.publish(
      manager,
      {
        ...common,
        type: 'TicketResolutionConfirmed',
        metadata: {
          ticket_number: ticket.ticket_number,
          ticket_id: ticket.id,
          subject: ticket.subject,
          rating,
          assignee_id: ticket.assignee_id,
        },
      },
      {
        ...common,
        type: 'CsatRecorded',
        metadata: {
          ticket_number: ticket.ticket_number,
          ticket_id: ticket.id,
          rating,
          agent_id: ticket.assignee_id,
          department: ticket.department,
          category: ticket.category,
          priority: ticket.priority,
        },
      },
    );
  }

  private async verified(token: string): Promise<{ requestId: string }> {
    const verdict = await this.links.verify(token, this.clock.now());
    if ('fault' in verdict) throw linkProblem(verdict.fault);
    return verdict;
  }

  private async requestOf(token: string): Promise<ResolutionRequestRow> {
    const { requestId } = await this.verified(token);
    const request = await this.repository.transaction((manager) => this.repository.lock(manager, requestId));
    if (!request) throw linkProblem('invalid');
    return request;
  }
}
