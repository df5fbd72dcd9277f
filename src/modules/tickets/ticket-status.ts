/** Allowed ticket status changes. `closed` is final; `resolved` may be reopened (by a customer only within the window). */
const NEXT: Record<string, string[]> = {
  new: ['open', 'pending', 'on_hold', 'resolved'],
  open: ['pending', 'on_hold', 'resolved'],
  pending: ['open', 'on_hold', 'resolved'],
  on_hold: ['open', 'pending', 'resolved'],
  resolved: ['open', 'closed'],
  closed: [],
};

/** What a customer may do to their own ticket: confirm (close) or reopen a resolved one. */
const CUSTOMER_MAY: Record<string, string[]> = { resolved: ['open', 'closed'] };

export type TicketTransition = 'allowed' | 'not_allowed' | 'forbidden' | 'reopen_window_passed';

export function judgeTicketTransition(
  from: string,
  to: string,
  actor: 'staff' | 'customer',
  resolvedAt: Date | null,
  now: Date,
  reopenWindowDays: number,
): TicketTransition {
  if (!(NEXT[from] ?? []).includes(to)) return 'not_allowed';
  if (actor === 'customer' && !(CUSTOMER_MAY[from] ?? []).includes(to)) return 'forbidden';
  if (actor === 'customer' && from === 'resolved' && to === 'open') {
    const deadline = (resolvedAt?.getTime() ?? 0) + reopenWindowDays * 24 * 3600 * 1000;
    if (now.getTime() > deadline) return 'reopen_window_passed';
  }
  return 'allowed';
}
