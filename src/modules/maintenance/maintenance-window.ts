import type { FieldError } from '../../platform/http/domain-exception';

export const MAINTENANCE_SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;
export type MaintenanceSeverity = (typeof MAINTENANCE_SEVERITIES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

/** The moments customers hear about a window; each has its own notification type (template). */
export const NOTICE_STAGES = ['announced', 'rescheduled', 'started', 'completed', 'cancelled'] as const;
export type NoticeStage = (typeof NOTICE_STAGES)[number];

export const NOTICE_TYPES: Record<NoticeStage, string> = {
  announced: 'maintenance.announced',
  rescheduled: 'maintenance.rescheduled',
  started: 'maintenance.started',
  completed: 'maintenance.completed',
  cancelled: 'maintenance.cancelled',
};

/** Seed 003: "announce 48 hours in advance". */
export const ANNOUNCE_LEAD_MS = 48 * 3_600_000;
/** Longest window accepted: longer is almost always a typo in a date. */
export const MAX_WINDOW_MS = 30 * 24 * 3_600_000;
/** Furthest ahead a window may start. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3_600_000;

/** Service names compare lower-case and once each: `WiFi`, ` wifi` and `wifi` are one service. */
export const normaliseServices = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value)
    ? [
        ...new Set(
          (value as unknown[]).map((item) => (typeof item === 'string' ? item.trim().toLowerCase() : item)),
        ),
      ]
    : value;

/** A service name as customers are tagged with it (`service:<name>`). */
export const SERVICE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** When the announcement of a window starting at `startsAt` is due. */
export function announceAt(startsAt: Date): Date {
  return new Date(startsAt.getTime() - ANNOUNCE_LEAD_MS);
}

/**
 * What is wrong with a window's times, as field errors (empty when they are fine). `now` bounds the
 * end (a window must not be over already) and how far ahead the start may be.
 */
export function windowTimeErrors(startsAt: Date, endsAt: Date, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  if (endsAt.getTime() <= startsAt.getTime()) {
    errors.push({ field: 'ends_at', message: 'ends_at must be after starts_at' });
  } else if (endsAt.getTime() - startsAt.getTime() > MAX_WINDOW_MS) {
    errors.push({ field: 'ends_at', message: 'a maintenance window may last at most 30 days' });
  }
  if (endsAt.getTime() <= now.getTime()) {
    errors.push({ field: 'ends_at', message: 'ends_at must be in the future' });
  }
  if (startsAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
    errors.push({ field: 'starts_at', message: 'starts_at may be at most one year ahead' });
  }
  return errors;
}

export interface WindowEdit {
  starts_at?: Date;
  ends_at?: Date;
  services?: string[];
  severity?: MaintenanceSeverity;
  message?: string;
}

export interface EditableWindow {
  status: MaintenanceStatus;
  starts_at: Date;
  ends_at: Date;
  services: string[];
  severity: MaintenanceSeverity;
  message: string;
}

export type EditJudgement =
  | { ok: false; kind: 'invalid_state' | 'invalid_input'; message: string; errors: FieldError[] }
  | {
      ok: true;
      next: Omit<EditableWindow, 'status'>;
      /** Times or services changed: a new version, and customers already told hear of it. */
      moved: boolean;
    };

function sameServices(a: string[], b: string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((service, i) => service === sortedB[i]);
}

/**
 * Whether an edit may be applied to a window, and the window it gives. Finished or cancelled windows
 * are closed; a window in progress keeps its start and services (its end, severity and message may
 * change: extend or shorten the work).
 */
export function judgeEdit(window: EditableWindow, edit: WindowEdit, now: Date): EditJudgement {
  if (window.status === 'completed' || window.status === 'cancelled') {
    return {
      ok: false,
      kind: 'invalid_state',
      message: `A ${window.status} maintenance window can no longer be changed`,
      errors: [],
    };
  }
  const next = {
    starts_at: edit.starts_at ?? window.starts_at,
    ends_at: edit.ends_at ?? window.ends_at,
    services: edit.services ?? window.services,
    severity: edit.severity ?? window.severity,
    message: edit.message ?? window.message,
  };
  const startMoved = next.starts_at.getTime() !== window.starts_at.getTime();
  const servicesChanged = !sameServices(next.services, window.services);
  if (window.status === 'in_progress' && (startMoved || servicesChanged)) {
    return {
      ok: false,
      kind: 'invalid_state',
      message: 'The maintenance is in progress: only its end, severity and message can change',
      errors: [
        ...(startMoved ? [{ field: 'starts_at', message: 'the window has already started' }] : []),
        ...(servicesChanged ? [{ field: 'services', message: 'the window has already started' }] : []),
      ],
    };
  }
  const errors = windowTimeErrors(next.starts_at, next.ends_at, now);
  if (errors.length > 0) {
    return { ok: false, kind: 'invalid_input', message: 'The maintenance window is invalid', errors };
  }
  const moved = startMoved || next.ends_at.getTime() !== window.ends_at.getTime() || servicesChanged;
  return { ok: true, next, moved };
}

/** The customer tag the built-in source matches for a service. */
export function serviceTag(service: string): string {
  return `service:${service}`;
}

/** `2026-11-25T02:00:00Z` → `2026-11-25 02:00 UTC`: how times read in notices. */
export function formatNoticeTime(at: Date | string): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Splits ids into batches of at most `size`, keeping their order. */
export function inBatches<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
