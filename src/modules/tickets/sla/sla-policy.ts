import type { BusinessCalendar } from './business-calendar';

export const SLA_TARGET_KINDS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaTargetKind = (typeof SLA_TARGET_KINDS)[number];

export interface SlaConditions {
  priorities?: string[];
  categories?: string[];
  /** Matches when the customer has any of these tags. */
  customer_tags?: string[];
}

/** What a ticket is held to. Stored on the ticket as applied, so later policy edits do not move its clocks. */
export interface SlaPolicy {
  name: string;
  conditions: SlaConditions;
  fallback: boolean;
  first_response_minutes: number | null;
  next_response_minutes: number | null;
  resolution_minutes: number | null;
  calendar_name: string | null;
  /** The calendar itself, resolved when the policy is applied; null counts around the clock. */
  calendar: BusinessCalendar | null;
}

/** Seed 004's support KPIs: first response under 2 h, resolution under 24 h, around the clock. */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  name: 'Default (seed 004 KPIs)',
  conditions: {},
  fallback: true,
  first_response_minutes: 120,
  next_response_minutes: null,
  resolution_minutes: 1440,
  calendar_name: null,
  calendar: null,
};

export interface SlaSubject {
  priority: string;
  category: string;
  customerTags: string[];
}

function matches(conditions: SlaConditions, subject: SlaSubject): boolean {
  const { priorities, categories, customer_tags: tags } = conditions;
  if (priorities?.length && !priorities.includes(subject.priority)) return false;
  if (categories?.length && !categories.includes(subject.category)) return false;
  if (tags?.length && !tags.some((tag) => subject.customerTags.includes(tag))) return false;
  return true;
}

/** The first policy (in the company's order) whose conditions all hold; else its fallback; else the default. */
export function selectPolicy(policies: SlaPolicy[], subject: SlaSubject): SlaPolicy {
  return (
    policies.find((policy) => !policy.fallback && matches(policy.conditions, subject)) ??
    policies.find((policy) => policy.fallback) ??
    DEFAULT_SLA_POLICY
  );
}

export function targetSeconds(policy: SlaPolicy, kind: SlaTargetKind): number | null {
  const minutes = policy[`${kind}_minutes`];
  return minutes === null ? null : minutes * 60;
}
