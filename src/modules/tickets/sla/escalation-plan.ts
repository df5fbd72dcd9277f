import { addBusinessSeconds, BusinessCalendar } from './business-calendar';
import { isOpen, SlaTarget } from './sla-clock';
import type { SlaTargetKind } from './sla-policy';

export const ESCALATION_LEVELS = [1, 2, 3] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

/**
 * A company's escalation rule: a ticket of one of `priorities` (any when empty) reaches `level` when
 * `minutes_from_due` working minutes have passed since the deadline of an open `target` (negative:
 * before it, "about to breach"). The first matching rule of each level counts.
 */
export interface EscalationRule {
  level: EscalationLevel;
  priorities: string[];
  target: 'any' | SlaTargetKind;
  minutes_from_due: number;
  /** Who is told at this level: a staff-directory role in the ticket's department. */
  notify_role: string;
  notify_customer: boolean;
}

/** Seeds 001/004: team lead, then manager, then director; urgent and high move sooner. */
export const DEFAULT_ESCALATION_RULES: EscalationRule[] = [
  rule(1, ['urgent', 'high'], -30, 'team_lead', false),
  rule(1, [], 0, 'team_lead', false),
  rule(2, ['urgent', 'high'], 60, 'manager', false),
  rule(2, [], 240, 'manager', false),
  rule(3, ['urgent', 'high'], 240, 'director', true),
  rule(3, [], 1440, 'director', true),
];

function rule(
  level: EscalationLevel,
  priorities: string[],
  minutes: number,
  role: string,
  notifyCustomer: boolean,
): EscalationRule {
  return {
    level,
    priorities,
    target: 'any',
    minutes_from_due: minutes,
    notify_role: role,
    notify_customer: notifyCustomer,
  };
}

/** One step of a ticket's plan, stored on the ticket for the set-based scan. */
export interface PlannedEscalation {
  level: EscalationLevel;
  at: string;
  reason: string;
  notify_role: string;
  notify_customer: boolean;
}

/**
 * When each level above the current one falls due, from the ticket's open targets. Paused targets
 * (pending on the customer) plan nothing: the plan is rebuilt when their clock resumes.
 */
export function planEscalations(
  targets: SlaTarget[],
  rules: EscalationRule[],
  priority: string,
  currentLevel: number,
  calendar: BusinessCalendar | null,
): PlannedEscalation[] {
  const plan: PlannedEscalation[] = [];
  for (const level of ESCALATION_LEVELS) {
    if (level <= currentLevel) continue;
    const chosen = rules.find(
      (r) => r.level === level && (r.priorities.length === 0 || r.priorities.includes(priority)),
    );
    if (!chosen) continue;
    const anchored = targets
      .filter(
        (t) =>
          isOpen(t) && !t.paused_at && t.anchor_at && (chosen.target === 'any' || t.kind === chosen.target),
      )
      .sort((a, b) => a.anchor_at!.getTime() - b.anchor_at!.getTime())[0];
    if (!anchored) continue;
    plan.push({
      level,
      at: addBusinessSeconds(anchored.anchor_at!, chosen.minutes_from_due * 60, calendar).toISOString(),
      reason: `${anchored.kind}_${chosen.minutes_from_due < 0 ? 'due_soon' : 'breached'}`,
      notify_role: chosen.notify_role,
      notify_customer: chosen.notify_customer,
    });
  }
  return plan;
}

export function nextEscalationAt(plan: PlannedEscalation[]): Date | null {
  const times = plan.map((step) => Date.parse(step.at));
  return times.length ? new Date(Math.min(...times)) : null;
}
