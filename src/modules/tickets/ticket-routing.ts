/** Categories a ticket can be submitted in; `other` goes to triage (seed 001's special handling). */
export const TICKET_CATEGORIES = [
  'billing',
  'technical',
  'account',
  'payments',
  'connectivity',
  'other',
] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

/** Where each category goes when a company has not set its own route. */
export const DEFAULT_ROUTES: Record<Exclude<TicketCategory, 'other'>, string> = {
  billing: 'billing',
  payments: 'billing',
  technical: 'technical',
  connectivity: 'technical',
  account: 'accounts',
};

export interface RoutingDecision {
  department: string | null;
  needsTriage: boolean;
}

export function route(category: TicketCategory, companyRoutes: Map<string, string>): RoutingDecision {
  if (category === 'other') return { department: null, needsTriage: true };
  return { department: companyRoutes.get(category) ?? DEFAULT_ROUTES[category], needsTriage: false };
}

/** `TKT-20261122-00042`. */
export function formatTicketNumber(day: Date, value: number): string {
  return `TKT-${day.toISOString().slice(0, 10).replace(/-/g, '')}-${String(value).padStart(5, '0')}`;
}
