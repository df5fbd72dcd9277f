import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import type { DomainEvent } from '../../platform/events/domain-event';
import { EventBus } from '../../platform/events/event-bus';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../platform/http/pagination';
import { CustomersService } from '../customers/customers.service';
import { JourneysService } from '../journeys/journeys.service';
import { StaffService } from '../staff/staff.service';
import { AppConfig } from '../../platform/config/app-config';
import {
  AddCommentDto,
  ListTicketsQuery,
  SetFormDto,
  SubmitTicketDto,
  ticketResponse,
  UpdateTicketDto,
} from './dto/ticket.dto';
import { attachmentResponse } from './dto/ticket-attachment.dto';
import { BUILT_IN_FORMS, FormField, validateFormFields } from './ticket-forms';
import { AttachmentRow, TicketAttachmentsService } from './ticket-attachments.service';
import { judgeTicketTransition } from './ticket-status';
import type { CommentRow, SupportTicketRow, TicketRow } from './tickets.repository';
import { DEFAULT_ROUTES, formatTicketNumber, route, TicketCategory } from './ticket-routing';
import { TicketSlaService } from './sla/ticket-sla.service';
import { TicketsMetrics } from './tickets.metrics';
import { TicketsRepository } from './tickets.repository';
import './tickets.events';

export type { SupportTicketRow } from './tickets.repository';

const isStaff = (principal: Principal): boolean => principal.roles.some((role) => STAFF_ROLES.includes(role));

const secondsBetween = (from: Date, to: Date): number =>
  Math.max(0, Math.round((to.getTime() - new Date(from).getTime()) / 1000));

const commentResponse = (row: CommentRow) => ({
  id: row.id,
  author_kind: row.author_kind,
  author_id: row.author_id,
  body: row.body,
  internal: row.internal,
  created_at: new Date(row.created_at).toISOString(),
});

/** The help desk's use cases: the module's public API. */
@Injectable()
export class TicketsService {
  constructor(
    private readonly repository: TicketsRepository,
    private readonly customers: CustomersService,
    private readonly staff: StaffService,
    private readonly events: EventBus,
    private readonly metrics: TicketsMetrics,
    private readonly sla: TicketSlaService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
    private readonly attachments: TicketAttachmentsService,
    private readonly journeys: JourneysService,
  ) {
    logger.setContext(TicketsService.name);
  }

  /** Answers at once; routing happens when TicketSubmitted reaches the `tickets.route` subscriber. */
  async submit(principal: Principal, input: SubmitTicketDto) {
    const started = performance.now();
    const staff = isStaff(principal);
    const customerId = staff ? input.customer_id : principal.customerId;
    if (!staff && input.customer_id && input.customer_id !== principal.customerId) {
      throw DomainException.notFound('Customer');
    }
    const contact = customerId
      ? await this.customers.contactPoints(principal.companyId, customerId)
      : undefined;
    if (customerId && !contact) throw DomainException.notFound('Customer');
    const requesterName = contact?.name ?? input.requester_name;
    if (!requesterName) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'A ticket needs a customer or a requester',
        [{ field: 'requester_name', message: 'give customer_id or requester_name' }],
      );
    }
    await this.checkFormFields(principal.companyId, input.category, input.fields);
    const now = this.clock.now();
    const day = now.toISOString().slice(0, 10);
    const number = formatTicketNumber(
      now,
      await this.repository.reserveTicketNumber(principal.companyId, day),
    );
    const channel = staff ? 'agent' : 'web';
    const priority = input.priority ?? 'normal';
    let attachments: AttachmentRow[] = [];
    const ticket = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, principal.companyId, {
        ticket_number: number,
        customer_id: customerId ?? null,
        requester_name: requesterName,
        requester_email: contact?.email ?? input.requester_email ?? null,
        subject: input.subject,
        description: input.description,
        category: input.category,
        department: null,
        needs_triage: false,
        priority,
        channel,
        tags: [...new Set(input.tags ?? [])],
        fields: input.fields ?? {},
        created_at: now,
      });
      await this.sla.apply(manager, row, contact?.tags ?? [], now);
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        row.id,
        principal.userId,
        'submitted',
        {
          category: input.category,
          priority,
        },
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketSubmitted',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: customerId ?? null,
        metadata: {
          ticket_number: number,
          subject: input.subject,
          category: input.category,
          priority,
          channel,
        },
      });
      attachments = await this.attachments.claim(
        manager,
        principal.companyId,
        principal.userId,
        input.attachment_ids ?? [],
        row.id,
        null,
      );
      if (customerId) {
        await this.journeys.record(
          {
            companyId: principal.companyId,
            customerId,
            flow: 'ticket_submission',
            traceId: row.id,
            eventType: 'ticket_submitted',
            status: 'success',
            fields: { ticket_number: number, priority, category: input.category },
            occurredAt: now,
          },
          manager,
        );
      }
      return row;
    });
    this.metrics.ticketCreated(principal.companyId, input.category, priority, channel);
    this.logger.info(
      {
        operation: 'ticket.submit',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customerId,
        ticket_number: number,
        category: input.category,
        duration_ms: Math.round(performance.now() - started),
      },
      'Ticket submitted',
    );
    return { ...ticketResponse(ticket), attachments: attachments.map(attachmentResponse) };
  }

  /** Durable: routes the ticket by the company's table (defaults otherwise); `other` goes to triage. */
  @OnDomainEvent('TicketSubmitted', { name: 'tickets.route' })
  async routeSubmitted(event: DomainEvent<'TicketSubmitted'>): Promise<void> {
    const decision = route(
      event.metadata.category as TicketCategory,
      await this.repository.routes(event.company_id),
    );
    const now = this.clock.now();
    await this.repository.transaction(async (manager) => {
      const routed = await this.repository.applyRoute(
        manager,
        event.company_id,
        event.metadata.ticket_number,
        decision,
        now,
      );
      if (!routed) return; // already routed: a redelivered event changes nothing
      await this.repository.appendHistory(
        manager,
        event.company_id,
        routed,
        null,
        'routed',
        {
          department: decision.department,
          needs_triage: decision.needsTriage,
        },
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketRouted',
        companyId: event.company_id,
        customerId: event.customer_id,
        correlationId: event.correlation_id,
        metadata: {
          ticket_number: event.metadata.ticket_number,
          department: decision.department,
          needs_triage: decision.needsTriage,
        },
      });
    });
  }

  /** A reply or note. Customers add public comments to their own tickets; staff add either kind. */
  async comment(principal: Principal, id: string, input: AddCommentDto) {
    const staff = isStaff(principal);
    if (!staff && input.internal) {
      throw new DomainException('forbidden', 'forbidden', 'Only staff can add internal notes');
    }
    const internal = staff && (input.internal ?? false);
    const now = this.clock.now();
    let attachments: AttachmentRow[] = [];
    const comment = await this.repository.transaction(async (manager) => {
      const ticket = await this.lockVisible(manager, principal, id);
      if (ticket.status === 'closed') {
        throw new DomainException('invalid_state', 'ticket-closed', 'A closed ticket takes no more comments');
      }
      const row = await this.repository.insertComment(manager, principal.companyId, id, {
        authorKind: staff ? 'staff' : 'customer',
        authorId: principal.userId,
        body: input.body,
        internal,
        at: now,
      });
      const publicReply = staff && !internal;
      if (publicReply) {
        await this.repository.markResponded(manager, id, now);
        await this.sla.staffReplied(manager, ticket, now);
      }
      if (!staff) {
        // A customer answering a ticket that waits on them puts it back in the agents' hands.
        if (ticket.status === 'pending') {
          await this.repository.setStatus(manager, id, 'open', now);
          await this.sla.statusChanged(manager, ticket, 'pending', 'open', now);
        }
        await this.sla.customerMessaged(manager, ticket, now);
      }
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        id,
        principal.userId,
        internal ? 'note_added' : 'comment_added',
        {
          comment_id: row.id,
        },
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketCommentAdded',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: ticket.customer_id,
        metadata: {
          ticket_number: ticket.ticket_number,
          ticket_id: id,
          subject: ticket.subject,
          comment_id: row.id,
          author_kind: row.author_kind,
          internal,
          public_body: internal ? null : input.body,
          assignee_id: ticket.assignee_id,
          department: ticket.department,
          priority: ticket.priority,
          first_response_seconds:
            publicReply && !ticket.first_response_at ? secondsBetween(ticket.created_at, now) : null,
        },
      });
      attachments = await this.attachments.claim(
        manager,
        principal.companyId,
        principal.userId,
        input.attachment_ids ?? [],
        id,
        row.id,
      );
      return row;
    });
    return { ...commentResponse(comment), attachments: attachments.map(attachmentResponse) };
  }

  async comments(principal: Principal, id: string) {
    await this.findVisible(principal, id); // 404 unless the caller may see the ticket
    const rows = await this.repository.comments(principal.companyId, id, isStaff(principal));
    return { data: rows.map(commentResponse) };
  }

  async changeStatus(principal: Principal, id: string, to: string) {
    const now = this.clock.now();
    const updated = await this.repository.transaction(async (manager) => {
      const ticket = await this.lockVisible(manager, principal, id);
      this.requireTransition(ticket, to, isStaff(principal) ? 'staff' : 'customer', now);
      await this.applyTransition(manager, ticket, to, principal.userId, now);
      return this.repository.lock(manager, principal.companyId, id);
    });
    return ticketResponse(updated!);
  }

  /** Throws the problem for a status change the actor may not make now. */
  requireTransition(ticket: TicketRow, to: string, actor: 'staff' | 'customer', now: Date): void {
    const verdict = judgeTicketTransition(
      ticket.status,
      to,
      actor,
      ticket.resolved_at ? new Date(ticket.resolved_at) : null,
      now,
      this.config.TICKET_REOPEN_WINDOW_DAYS,
    );
    switch (verdict) {
      case 'not_allowed':
        throw new DomainException(
          'invalid_state',
          'ticket-status-transition-not-allowed',
          `A ticket cannot go from ${ticket.status} to ${to}`,
          [{ field: 'status', message: `${ticket.status} → ${to} is not an allowed transition` }],
        );
      case 'forbidden':
        throw new DomainException(
          'forbidden',
          'forbidden',
          `Only staff can move a ticket from ${ticket.status} to ${to}`,
        );
      case 'reopen_window_passed':
        throw new DomainException(
          'invalid_state',
          'ticket-reopen-window-passed',
          `A resolved ticket can be reopened within ${this.config.TICKET_REOPEN_WINDOW_DAYS} days`,
        );
      case 'allowed':
        return;
    }
  }

  /**
   * A status change on a ticket locked by the caller's transaction: the row, its SLA clocks, the
   * history and TicketStatusChanged (and TicketReopened when a resolved ticket opens again).
   */
  async applyTransition(
    manager: EntityManager,
    ticket: TicketRow,
    to: string,
    actorId: string | null,
    now: Date,
    reason?: string,
  ): Promise<void> {
    await this.repository.setStatus(manager, ticket.id, to, now);
    await this.sla.statusChanged(manager, ticket, ticket.status, to, now);
    await this.repository.appendHistory(
      manager,
      ticket.company_id,
      ticket.id,
      actorId,
      'status_changed',
      { status: { before: ticket.status, after: to }, ...(reason ? { reason } : {}) },
      now,
    );
    const common = { companyId: ticket.company_id, userId: actorId, customerId: ticket.customer_id };
    await this.events.publish(manager, {
      ...common,
      type: 'TicketStatusChanged',
      metadata: {
        ticket_number: ticket.ticket_number,
        ticket_id: ticket.id,
        from_status: ticket.status,
        to_status: to,
        department: ticket.department,
        priority: ticket.priority,
        resolution_seconds: to === 'resolved' ? secondsBetween(ticket.created_at, now) : null,
      },
    });
    if (ticket.status === 'resolved' && to === 'open') {
      await this.events.publish(manager, {
        ...common,
        type: 'TicketReopened',
        metadata: {
          ticket_number: ticket.ticket_number,
          ticket_id: ticket.id,
          assignee_id: ticket.assignee_id,
          reason: reason ?? null,
        },
      });
    }
  }

  /** Staff assign a ticket to a member of the staff directory; the assignee is notified. */
  async assign(principal: Principal, id: string, assigneeId: string) {
    const [member] = await this.staff.find(principal.companyId, { userIds: [assigneeId] });
    if (!member) {
      throw new DomainException(
        'unprocessable',
        'unknown-assignee',
        'The assignee is not an active staff member',
        [{ field: 'assignee_id', message: 'not in the staff directory' }],
      );
    }
    const now = this.clock.now();
    const updated = await this.repository.transaction(async (manager) => {
      const ticket = await this.lockVisible(manager, principal, id);
      if (ticket.status === 'closed')
        throw new DomainException('invalid_state', 'ticket-closed', 'A closed ticket cannot be assigned');
      if (ticket.assignee_id === assigneeId) return ticket;
      await this.repository.assign(manager, id, assigneeId, now);
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        id,
        principal.userId,
        'assigned',
        {
          assignee_id: { before: ticket.assignee_id, after: assigneeId },
        },
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketAssigned',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: ticket.customer_id,
        metadata: {
          ticket_number: ticket.ticket_number,
          ticket_id: id,
          subject: ticket.subject,
          assignee_id: assigneeId,
          previous_assignee_id: ticket.assignee_id,
        },
      });
      return this.repository.lock(manager, principal.companyId, id);
    });
    return ticketResponse(updated!);
  }

  /** Staff change priority, department or tags; a new priority re-chooses the SLA policy. */
  async update(principal: Principal, id: string, input: UpdateTicketDto) {
    if (input.department !== undefined)
      await this.requireKnownDepartment(principal.companyId, input.department);
    const now = this.clock.now();
    const updated = await this.repository.transaction(async (manager) => {
      const ticket = await this.lockVisible(manager, principal, id);
      if (ticket.status === 'closed') {
        throw new DomainException('invalid_state', 'ticket-closed', 'A closed ticket cannot be changed');
      }
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      if (input.priority !== undefined && input.priority !== ticket.priority) {
        changes.priority = { before: ticket.priority, after: input.priority };
      }
      if (input.department !== undefined && input.department !== ticket.department) {
        changes.department = { before: ticket.department, after: input.department };
      }
      const tags = input.tags && [...new Set(input.tags)];
      if (tags && tags.join() !== ticket.tags.join()) changes.tags = { before: ticket.tags, after: tags };
      if (Object.keys(changes).length === 0) return ticket;
      await this.repository.update(
        manager,
        id,
        {
          priority: changes.priority && input.priority,
          department: changes.department && input.department,
          tags: changes.tags && tags,
        },
        now,
      );
      if (changes.priority) {
        const contact = ticket.customer_id
          ? await this.customers.contactPoints(principal.companyId, ticket.customer_id)
          : undefined;
        await this.sla.reapply(manager, { ...ticket, priority: input.priority! }, contact?.tags ?? [], now);
      }
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        id,
        principal.userId,
        'updated',
        changes,
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketUpdated',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: ticket.customer_id,
        metadata: { ticket_number: ticket.ticket_number, ticket_id: id, changes },
      });
      return this.repository.lock(manager, principal.companyId, id);
    });
    return ticketResponse(updated!);
  }

  /**
   * Merges a duplicate into another ticket: comments, attachments and history move; the duplicate
   * closes with a pointer and its SLA clocks stop; its requester is told (TicketMerged).
   */
  async merge(principal: Principal, id: string, intoId: string) {
    if (id === intoId) {
      throw new DomainException(
        'unprocessable',
        'ticket-merge-into-itself',
        'A ticket cannot be merged into itself',
        [{ field: 'into_ticket_id', message: 'must be another ticket' }],
      );
    }
    const now = this.clock.now();
    const merged = await this.repository.transaction(async (manager) => {
      // Lock in id order, so two opposite merges cannot deadlock.
      const [first, second] = [id, intoId].sort();
      const locked = new Map<string, TicketRow>();
      for (const ticketId of [first, second])
        locked.set(ticketId, await this.lockVisible(manager, principal, ticketId));
      const [source, target] = [locked.get(id)!, locked.get(intoId)!];
      for (const ticket of [source, target]) {
        if (ticket.status === 'closed') {
          throw new DomainException(
            'invalid_state',
            'ticket-closed',
            `${ticket.ticket_number} is closed and cannot take part in a merge`,
          );
        }
      }
      await this.repository.moveThread(manager, id, intoId);
      await this.attachments.moveToTicket(manager, id, intoId);
      await this.repository.closeAsMerged(manager, id, intoId, now);
      await this.sla.merged(manager, source, now);
      const entry = { merged: { from: source.ticket_number, into: target.ticket_number } };
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        intoId,
        principal.userId,
        'merged_in',
        entry,
        now,
      );
      await this.repository.appendHistory(
        manager,
        principal.companyId,
        id,
        principal.userId,
        'merged',
        entry,
        now,
      );
      await this.events.publish(manager, {
        type: 'TicketMerged',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: source.customer_id,
        metadata: {
          ticket_number: source.ticket_number,
          ticket_id: id,
          subject: source.subject,
          into_ticket_id: intoId,
          into_ticket_number: target.ticket_number,
        },
      });
      return this.repository.lock(manager, principal.companyId, id);
    });
    return ticketResponse(merged!);
  }

  /** A ticket's SLA: the policy applied, each target with its verdict, and the SLA event stream. */
  async slaOf(principal: Principal, id: string) {
    const ticket = await this.findVisible(principal, id);
    const { targets, events } = await this.sla.read(principal.companyId, id);
    const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
    return {
      ticket_id: id,
      policy: ticket.sla_policy && { ...ticket.sla_policy, calendar: undefined },
      state: ticket.sla_state,
      escalation_level: ticket.escalation_level,
      targets: targets.map((t) => ({
        kind: t.kind,
        status: t.paused_at && t.status === 'active' ? 'paused' : t.status,
        due_at: iso(t.due_at),
        breached_at: iso(t.breached_at),
        fulfilled_at: iso(t.fulfilled_at),
        paused_at: iso(t.paused_at),
      })),
      events: events.map((e) => ({ ...e, occurred_at: iso(e.occurred_at) })),
    };
  }

  /**
   * A customer's tickets for the support console: open first, then recent, `limit` in all, with SLA due
   * times and whether a target is missed or overdue now. The caller has checked the customer.
   */
  supportOverview(companyId: string, customerId: string, limit: number): Promise<SupportTicketRow[]> {
    return this.repository.supportOverview(companyId, customerId, limit, this.clock.now());
  }

  /** The customer a ticket number belongs to (support console search); undefined for none or a walk-in. */
  customerOfNumber(companyId: string, ticketNumber: string): Promise<string | undefined> {
    return this.repository.customerOfNumber(companyId, ticketNumber);
  }

  async get(principal: Principal, id: string) {
    const ticket = await this.findVisible(principal, id);
    return {
      ...ticketResponse(ticket),
      history: isStaff(principal) ? await this.timeline(principal, id) : undefined,
      attachments: (await this.attachments.list(principal.companyId, id, isStaff(principal))).map(
        attachmentResponse,
      ),
    };
  }

  async list(principal: Principal, query: ListTicketsQuery) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.list(
      principal.companyId,
      {
        customerId: this.customerScope(principal),
        status: query.status,
        priority: query.priority,
        department: query.department,
        assigneeId: query.assignee_id,
        triage: query.triage,
        slaBreached: query.sla_breached,
        escalationLevel: query.escalation_level,
      },
      query.limit,
      after,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      ticketResponse,
    );
  }

  /** The form of a category, for portals to render; an empty list when the category has none. */
  async form(principal: Principal, category: string) {
    return { category, fields: (await this.repository.form(principal.companyId, category)) ?? [] };
  }

  async setForm(principal: Principal, category: string, input: SetFormDto) {
    if (input.template !== undefined && input.fields !== undefined) {
      throw new DomainException('invalid_input', 'validation-failed', 'Give a template or fields, not both', [
        { field: 'fields', message: 'not with template' },
      ]);
    }
    const fields: FormField[] = input.template ? BUILT_IN_FORMS[input.template] : (input.fields ?? []);
    if (new Set(fields.map((field) => field.name)).size !== fields.length) {
      throw new DomainException('invalid_input', 'validation-failed', 'Form field names must be unique', [
        { field: 'fields', message: 'two fields share a name' },
      ]);
    }
    await this.repository.setForm(principal.companyId, category, fields);
    return { category, fields };
  }

  /** Structured fields are required, typed and limited to what the category's form names. */
  private async checkFormFields(
    companyId: string,
    category: string,
    values: Record<string, unknown> | undefined,
  ) {
    const form = await this.repository.form(companyId, category);
    if (!form) {
      if (values && Object.keys(values).length > 0) {
        throw new DomainException('invalid_input', 'validation-failed', `Category ${category} has no form`, [
          { field: 'fields', message: 'this category takes no structured fields' },
        ]);
      }
      return;
    }
    const errors = validateFormFields(form, values ?? {});
    if (errors.length > 0) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        `The ${category} form is incomplete`,
        errors,
      );
    }
  }

  async setRoute(principal: Principal, category: string, department: string) {
    await this.requireKnownDepartment(principal.companyId, department);
    await this.repository.setRoute(principal.companyId, category, department);
    return { category, department };
  }

  /**
   * A department exists when someone works in it (the staff directory) or tickets already go there
   * (a default or company route); anything else is most likely a typo that would strand tickets.
   */
  private async requireKnownDepartment(companyId: string, department: string): Promise<void> {
    if (Object.values<string>(DEFAULT_ROUTES).includes(department)) return;
    if ([...(await this.repository.routes(companyId)).values()].includes(department)) return;
    if ((await this.staff.find(companyId, { department })).length > 0) return;
    throw new DomainException('unprocessable', 'unknown-department', `No department ${department}`, [
      { field: 'department', message: 'add staff to it in the staff directory first' },
    ]);
  }

  private async timeline(principal: Principal, id: string) {
    const rows = await this.repository.history(principal.companyId, id);
    return rows.map((row) => ({ ...row, occurred_at: new Date(row.occurred_at).toISOString() }));
  }

  /**
   * Whose tickets the caller may see: staff see the company's (undefined), a customer only their own.
   * A customer token without a customer id sees none (a sentinel uuid matches nothing).
   */
  private customerScope(principal: Principal): string | undefined {
    if (isStaff(principal)) return undefined;
    return principal.customerId ?? '00000000-0000-0000-0000-000000000000';
  }

  private async findVisible(principal: Principal, id: string): Promise<TicketRow> {
    const ticket = await this.repository.findById(principal.companyId, id, this.customerScope(principal));
    if (!ticket) throw DomainException.notFound('Ticket');
    return ticket;
  }

  /** Locks a ticket the caller may see for the rest of the transaction; anything else is a 404. */
  private async lockVisible(manager: EntityManager, principal: Principal, id: string): Promise<TicketRow> {
    const ticket = await this.repository.lock(
      manager,
      principal.companyId,
      id,
      this.customerScope(principal),
    );
    if (!ticket) throw DomainException.notFound('Ticket');
    return ticket;
  }
}
