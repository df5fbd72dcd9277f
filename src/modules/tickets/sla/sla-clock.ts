import { addBusinessSeconds, BusinessCalendar, businessSecondsBetween } from './business-calendar';
import type { SlaTargetKind } from './sla-policy';

/**
 * One SLA target of a ticket. Its clock runs from `started_at`; `consumed_seconds` is working time
 * spent before that (across pauses), so the deadline is `target - consumed` working seconds after
 * `started_at`. `anchor_at` is what escalation counts from: the deadline, moved on by time spent
 * paused after a breach (a missed target's deadline itself never moves).
 */
export interface SlaTarget {
  id?: string;
  kind: SlaTargetKind;
  status: 'active' | 'hit' | 'missed' | 'cancelled';
  target_seconds: number;
  consumed_seconds: number;
  started_at: Date;
  due_at: Date | null;
  anchor_at: Date | null;
  paused_at: Date | null;
  breached_at: Date | null;
  fulfilled_at: Date | null;
}

export type SlaEventKind = 'applied' | 'paused' | 'resumed' | 'breached' | 'fulfilled' | 'cancelled';

export interface SlaEvent {
  kind: SlaEventKind;
  target: SlaTargetKind;
  at: Date;
  details?: Record<string, unknown>;
}

export type SlaState = 'active' | 'hit' | 'missed' | 'active_with_misses';

/** Not yet fulfilled nor cancelled: a missed target stays open until it is fulfilled. */
export const isOpen = (target: SlaTarget): boolean =>
  target.fulfilled_at === null && (target.status === 'active' || target.status === 'missed');

export function startTarget(
  kind: SlaTargetKind,
  seconds: number,
  at: Date,
  calendar: BusinessCalendar | null,
): { target: SlaTarget; event: SlaEvent } {
  const due = addBusinessSeconds(at, seconds, calendar);
  return {
    target: {
      kind,
      status: 'active',
      target_seconds: seconds,
      consumed_seconds: 0,
      started_at: at,
      due_at: due,
      anchor_at: due,
      paused_at: null,
      breached_at: null,
      fulfilled_at: null,
    },
    event: {
      kind: 'applied',
      target: kind,
      at,
      details: { due_at: due.toISOString(), target_seconds: seconds },
    },
  };
}

/**
 * Stops the clock (pending on the customer). A clock already past its deadline is missed first (the
 * scan may not have run yet), so a pause never turns a late target into a hit.
 */
export function pauseTarget(target: SlaTarget, at: Date, calendar: BusinessCalendar | null): SlaEvent[] {
  if (!isOpen(target) || target.paused_at) return [];
  const events: SlaEvent[] = [];
  if (target.status === 'active' && target.due_at && at.getTime() > target.due_at.getTime()) {
    target.status = 'missed';
    target.breached_at = target.due_at;
    events.push({ kind: 'breached', target: target.kind, at: target.due_at });
  }
  if (target.status === 'active') {
    target.consumed_seconds += businessSecondsBetween(target.started_at, at, calendar);
    target.due_at = null;
  }
  target.paused_at = at;
  events.push({ kind: 'paused', target: target.kind, at });
  return events;
}

/** Restarts a paused clock: the deadline moves by the working time spent paused. */
export function resumeTarget(
  target: SlaTarget,
  at: Date,
  calendar: BusinessCalendar | null,
): SlaEvent | undefined {
  if (!isOpen(target) || !target.paused_at) return undefined;
  if (target.status === 'active') {
    target.started_at = at;
    target.due_at = addBusinessSeconds(
      at,
      Math.max(0, target.target_seconds - target.consumed_seconds),
      calendar,
    );
    target.anchor_at = target.due_at;
  } else if (target.anchor_at) {
    const paused = businessSecondsBetween(target.paused_at, at, calendar);
    target.anchor_at = addBusinessSeconds(target.anchor_at, paused, calendar);
  }
  target.paused_at = null;
  return {
    kind: 'resumed',
    target: target.kind,
    at,
    details: { due_at: target.due_at?.toISOString() ?? null },
  };
}

/**
 * Ends an open target at `at`: hit when in time (a paused clock has not run out), missed otherwise.
 * A target that runs out here rather than in the breach scan yields its breach event as well.
 */
export function fulfilTarget(target: SlaTarget, at: Date): SlaEvent[] {
  if (!isOpen(target)) return [];
  const events: SlaEvent[] = [];
  target.fulfilled_at = at;
  target.paused_at = null;
  if (target.status === 'active') {
    const late = target.due_at !== null && at.getTime() > target.due_at.getTime();
    if (late) {
      target.status = 'missed';
      target.breached_at = target.due_at;
      events.push({ kind: 'breached', target: target.kind, at: target.due_at! });
    } else {
      target.status = 'hit';
    }
  }
  events.push({ kind: 'fulfilled', target: target.kind, at, details: { status: target.status } });
  return events;
}

/** A new goal for a running target (the ticket moved to another policy), counted from its start. */
export function retarget(target: SlaTarget, seconds: number, calendar: BusinessCalendar | null): void {
  if (target.status !== 'active' || target.fulfilled_at) return;
  target.target_seconds = seconds;
  if (!target.paused_at) {
    target.due_at = addBusinessSeconds(
      target.started_at,
      Math.max(0, seconds - target.consumed_seconds),
      calendar,
    );
    target.anchor_at = target.due_at;
  }
}

/** Ends an open target without fulfilment (its ticket was merged away). A missed one stays missed. */
export function cancelTarget(target: SlaTarget, at: Date): SlaEvent | undefined {
  if (!isOpen(target)) return undefined;
  if (target.status === 'active') {
    target.status = 'cancelled';
    target.due_at = null;
  } else {
    target.fulfilled_at = at;
  }
  target.paused_at = null;
  return { kind: 'cancelled', target: target.kind, at };
}

/** `active` while targets run, `active_with_misses` if one of them already missed; `hit`/`missed` once all ended. */
export function slaState(targets: SlaTarget[]): SlaState | null {
  const counted = targets.filter((target) => target.status !== 'cancelled');
  if (counted.length === 0) return null;
  const missed = counted.some((target) => target.status === 'missed');
  if (counted.some(isOpen)) return missed ? 'active_with_misses' : 'active';
  return missed ? 'missed' : 'hit';
}

/** The earliest deadline still running, for lists and dashboards. */
export function nextDue(targets: SlaTarget[]): Date | null {
  const dues = targets
    .filter((target) => target.status === 'active' && target.due_at && !target.fulfilled_at)
    .map((target) => target.due_at!.getTime());
  return dues.length ? new Date(Math.min(...dues)) : null;
}
