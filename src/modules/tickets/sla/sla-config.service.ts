import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../platform/auth/principal';
import { EventBus } from '../../../platform/events/event-bus';
import { DomainException } from '../../../platform/http/domain-exception';
import { calendarErrors } from './business-calendar';
import type { PutCalendarDto, PutEscalationRulesDto, PutSlaPoliciesDto } from './dto/sla-config.dto';
import { DEFAULT_ESCALATION_RULES, EscalationRule } from './escalation-plan';
import { DEFAULT_SLA_POLICY, SlaPolicy } from './sla-policy';
import { TicketSlaRepository } from './ticket-sla.repository';
import '../tickets.events';

const invalid = (message: string, field: string, detail: string) =>
  new DomainException('invalid_input', 'validation-failed', message, [{ field, message: detail }]);

/**
 * A company's SLA configuration: business calendars, ordered SLA policies and escalation rules.
 * Changes apply to tickets submitted (or re-prioritised) afterwards; running clocks keep their policy.
 */
@Injectable()
export class SlaConfigService {
  constructor(
    private readonly repository: TicketSlaRepository,
    private readonly events: EventBus,
  ) {}

  async calendars(principal: Principal) {
    const rows = await this.repository.calendars(principal.companyId);
    return {
      data: rows.map(({ name, timeZone, week, holidays }) => ({ name, time_zone: timeZone, week, holidays })),
    };
  }

  async putCalendar(principal: Principal, name: string, input: PutCalendarDto) {
    const calendar = { name, timeZone: input.time_zone, week: input.week, holidays: input.holidays ?? [] };
    const errors = calendarErrors(calendar);
    if (errors.length) {
      throw new DomainException('invalid_input', 'validation-failed', 'The calendar is not usable', errors);
    }
    await this.repository.putCalendar(principal.companyId, calendar);
    return { name, time_zone: calendar.timeZone, week: calendar.week, holidays: calendar.holidays };
  }

  async policies(principal: Principal) {
    const stored = await this.repository.policies(principal.companyId);
    const shown = (policy: SlaPolicy) => ({
      ...policy,
      calendar: policy.calendar_name,
      calendar_name: undefined,
    });
    return {
      data: stored.map(shown),
      /** What applies when no stored policy matches and none is the fallback. */
      default: shown(DEFAULT_SLA_POLICY),
    };
  }

  async putPolicies(principal: Principal, input: PutSlaPoliciesDto) {
    const names = input.policies.map((p) => p.name);
    if (new Set(names).size !== names.length) {
      throw invalid('Policy names must be unique', 'policies', 'two policies share a name');
    }
    if (input.policies.filter((p) => p.fallback).length > 1) {
      throw invalid('Only one fallback policy', 'policies', 'more than one policy has fallback: true');
    }
    const known = new Set((await this.repository.calendars(principal.companyId)).map((c) => c.name));
    input.policies.forEach((policy, index) => {
      if (policy.calendar && !known.has(policy.calendar)) {
        throw new DomainException(
          'unprocessable',
          'unknown-calendar',
          `No calendar named ${policy.calendar}`,
          [
            {
              field: `policies.${index}.calendar`,
              message: 'create it with PUT /v1/tickets/sla/calendars/:name',
            },
          ],
        );
      }
    });
    await this.repository.replacePolicies(
      principal.companyId,
      input.policies.map((p) => ({
        name: p.name,
        conditions: p.conditions ?? {},
        fallback: p.fallback ?? false,
        first_response_minutes: p.first_response_minutes ?? null,
        next_response_minutes: p.next_response_minutes ?? null,
        resolution_minutes: p.resolution_minutes ?? null,
        calendar_name: p.calendar ?? null,
      })),
    );
    return this.policies(principal);
  }

  async rules(principal: Principal) {
    const stored = await this.repository.rules(principal.companyId);
    return {
      data: stored.length ? stored : DEFAULT_ESCALATION_RULES,
      source: stored.length ? 'company' : 'default',
    };
  }

  /** An empty list goes back to the default rules. */
  async putRules(principal: Principal, input: PutEscalationRulesDto) {
    const rules: EscalationRule[] = input.rules.map((r) => ({
      level: r.level,
      priorities: r.priorities ?? [],
      target: r.target ?? 'any',
      minutes_from_due: r.minutes_from_due,
      notify_role: r.notify_role,
      notify_customer: r.notify_customer ?? false,
    }));
    await this.repository.transaction(async (manager) => {
      await this.repository.replaceRules(manager, principal.companyId, rules);
      await this.events.publish(manager, {
        type: 'TicketEscalationRulesChanged',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { rules: rules.length },
      });
    });
    return this.rules(principal);
  }
}
