import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import { OnDomainEvent } from '../../../platform/events/subscriptions';
import type { TicketRow } from '../tickets.repository';
import {
  DEFAULT_ESCALATION_RULES,
  EscalationRule,
  nextEscalationAt,
  planEscalations,
} from './escalation-plan';
import {
  cancelTarget,
  fulfilTarget,
  isOpen,
  nextDue,
  pauseTarget,
  resumeTarget,
  retarget,
  SlaEvent,
  slaState,
  SlaTarget,
  startTarget,
} from './sla-clock';
import { selectPolicy, SlaPolicy, SlaTargetKind, targetSeconds } from './sla-policy';
import { TicketSlaRepository } from './ticket-sla.repository';
import '../tickets.events';

/** The part of a ticket the SLA needs; the ticket row as locked by the caller. */
export type SlaTicket = Pick<
  TicketRow,
  | 'id'
  | 'company_id'
  | 'ticket_number'
  | 'customer_id'
  | 'priority'
  | 'category'
  | 'department'
  | 'escalation_level'
  | 'sla_policy'
>;

/**
 * Keeps each ticket's SLA targets, SLA event stream, state and escalation plan in step with what
 * happens to the ticket. Every method runs inside the caller's transaction, on a locked ticket.
 */
@Injectable()
export class TicketSlaService {
  constructor(
    private readonly repository: TicketSlaRepository,
    private readonly events: EventBus,
  ) {}

  /** On submit: choose the policy and start the first-response and resolution clocks. */
  async apply(manager: EntityManager, ticket: SlaTicket, customerTags: string[], at: Date): Promise<void> {
    const { policy, rules } = await this.choose(manager, ticket, customerTags);
    const started = (['first_response', 'resolution'] as const)
      .map((kind) => this.start(policy, kind, at))
      .filter((started) => started !== undefined);
    await this.settle(
      manager,
      ticket,
      policy,
      started.map((s) => s.target),
      started.map((s) => s.event),
      rules,
    );
  }

  /** After a change of priority: the policy is chosen again and running clocks take its targets. */
  async reapply(manager: EntityManager, ticket: SlaTicket, customerTags: string[], at: Date): Promise<void> {
    const { policy, rules } = await this.choose(manager, ticket, customerTags);
    const targets = await this.repository.targets(manager, ticket.id);
    for (const target of targets) {
      const seconds = targetSeconds(policy, target.kind);
      if (seconds !== null) retarget(target, seconds, policy.calendar);
    }
    const event: SlaEvent = {
      kind: 'applied',
      target: 'resolution',
      at,
      details: { policy: policy.name, reason: 'ticket changed' },
    };
    await this.settle(manager, ticket, policy, targets, [event], rules);
  }

  /** A public staff reply: the first response (once, never overwritten) and any next response. */
  async staffReplied(manager: EntityManager, ticket: SlaTicket, at: Date): Promise<void> {
    await this.update(manager, ticket, at, (targets) =>
      targets
        .filter((t) => t.kind === 'first_response' || t.kind === 'next_response')
        .flatMap((t) => fulfilTarget(t, at)),
    );
  }

  /** A customer message after the first response starts a next-response clock, when the policy has one. */
  async customerMessaged(manager: EntityManager, ticket: SlaTicket, at: Date): Promise<void> {
    await this.update(manager, ticket, at, (targets, policy) => {
      const awaiting = targets.some(
        (t) => isOpen(t) && (t.kind === 'first_response' || t.kind === 'next_response'),
      );
      const started = awaiting ? undefined : this.start(policy, 'next_response', at);
      if (!started) return [];
      targets.push(started.target);
      return [started.event];
    });
  }

  /**
   * Pending (on the customer) pauses the resolution clock and leaving it resumes it; resolving
   * fulfils every open target; reopening starts a new resolution clock; closing ends what is left.
   */
  async statusChanged(
    manager: EntityManager,
    ticket: SlaTicket,
    from: string,
    to: string,
    at: Date,
  ): Promise<void> {
    await this.update(manager, ticket, at, (targets, policy) => {
      const events: Array<SlaEvent | undefined> = [];
      const resolution = targets.filter((t) => t.kind === 'resolution');
      if (to === 'pending') events.push(...resolution.flatMap((t) => pauseTarget(t, at, policy.calendar)));
      if (from === 'pending' && to !== 'resolved') {
        events.push(...resolution.map((t) => resumeTarget(t, at, policy.calendar)));
      }
      if (to === 'resolved') events.push(...targets.flatMap((t) => fulfilTarget(t, at)));
      if (from === 'resolved' && to === 'open') {
        const started = this.start(policy, 'resolution', at);
        if (started) {
          targets.push(started.target);
          events.push(started.event);
        }
      }
      if (to === 'closed') events.push(...targets.map((t) => cancelTarget(t, at)));
      return events.filter((e): e is SlaEvent => e !== undefined);
    });
  }

  /** A ticket merged into another: its clocks stop without a verdict. */
  async merged(manager: EntityManager, ticket: SlaTicket, at: Date): Promise<void> {
    await this.update(manager, ticket, at, (targets) =>
      targets.map((t) => cancelTarget(t, at)).filter((e): e is SlaEvent => e !== undefined),
    );
  }

  /**
   * Durable: new escalation rules apply to every unfinished ticket, not only to those whose clocks
   * change later. Plans are computed per ticket (working-time arithmetic) and written per batch.
   */
  @OnDomainEvent('TicketEscalationRulesChanged', { name: 'tickets.replan-escalations' })
  async replan(event: DomainEvent<'TicketEscalationRulesChanged'>): Promise<void> {
    const stored = await this.repository.rules(event.company_id);
    const rules = stored.length ? stored : DEFAULT_ESCALATION_RULES;
    for (let afterId = '00000000-0000-0000-0000-000000000000'; ;) {
      const batch = await this.repository.transaction(async (manager) => {
        const { tickets, targets } = await this.repository.lockUnfinished(
          manager,
          event.company_id,
          afterId,
          500,
        );
        await this.repository.setPlans(
          manager,
          tickets
            .filter((ticket) => ticket.sla_policy)
            .map((ticket) => {
              const own = targets.filter((target) => target.ticket_id === ticket.id);
              const plan = planEscalations(
                own,
                rules,
                ticket.priority,
                ticket.escalation_level,
                ticket.sla_policy!.calendar,
              );
              return { id: ticket.id, plan, nextEscalationAt: nextEscalationAt(plan) };
            }),
        );
        return tickets;
      });
      if (batch.length < 500) return;
      afterId = batch[batch.length - 1].id;
    }
  }

  read(companyId: string, ticketId: string) {
    return this.repository.read(companyId, ticketId);
  }

  private async update(
    manager: EntityManager,
    ticket: SlaTicket,
    at: Date,
    change: (targets: SlaTarget[], policy: SlaPolicy) => SlaEvent[],
  ): Promise<void> {
    if (!ticket.sla_policy) return; // submitted before SLAs existed
    const targets = await this.repository.targets(manager, ticket.id);
    const events = change(targets, ticket.sla_policy);
    if (events.length === 0) return;
    await this.settle(manager, ticket, ticket.sla_policy, targets, events);
  }

  /** The policy that applies to the ticket now, and the company's escalation rules. */
  private async choose(manager: EntityManager, ticket: SlaTicket, customerTags: string[]) {
    const { policies, rules } = await this.repository.setup(ticket.company_id, manager);
    const subject = { priority: ticket.priority, category: ticket.category, customerTags };
    return { policy: selectPolicy(policies, subject), rules };
  }

  private start(policy: SlaPolicy, kind: SlaTargetKind, at: Date) {
    const seconds = targetSeconds(policy, kind);
    return seconds === null ? undefined : startTarget(kind, seconds, at, policy.calendar);
  }

  /** Writes targets and events, then the ticket's state and escalation plan; breaches found here are published. */
  private async settle(
    manager: EntityManager,
    ticket: SlaTicket,
    policy: SlaPolicy,
    targets: SlaTarget[],
    events: SlaEvent[],
    rules?: EscalationRule[],
  ): Promise<void> {
    const stored = rules ?? (await this.repository.rules(ticket.company_id, manager));
    const plan = planEscalations(
      targets,
      stored.length ? stored : DEFAULT_ESCALATION_RULES,
      ticket.priority,
      ticket.escalation_level,
      policy.calendar,
    );
    await this.repository.settle(manager, ticket.company_id, ticket.id, {
      targets,
      events,
      policy,
      state: slaState(targets),
      nextDue: nextDue(targets),
      plan,
      nextEscalationAt: nextEscalationAt(plan),
    });
    const breaches = events.filter((e) => e.kind === 'breached');
    await this.events.publish(
      manager,
      ...breaches.map((breach) => ({
        type: 'TicketSlaBreached' as const,
        companyId: ticket.company_id,
        customerId: ticket.customer_id,
        metadata: {
          ticket_id: ticket.id,
          ticket_number: ticket.ticket_number,
          kind: breach.target,
          due_at: breach.at.toISOString(),
          department: ticket.department,
          priority: ticket.priority,
        },
      })),
    );
  }
}
