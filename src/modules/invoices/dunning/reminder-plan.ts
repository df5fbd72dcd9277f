import type { FieldError } from '../../../platform/http/domain-exception';

/** The schedule of a company that set none: 3 days before the due date, then 1, 7 and 30 days after. */
export const DEFAULT_OFFSETS: readonly number[] = [-3, 1, 7, 30];
/** Earliest reminder: 60 days before the due date. */
export const MIN_OFFSET = -60;
/** Latest reminder: a year after the due date. */
export const MAX_OFFSET = 365;
/** Reminders per schedule. */
export const MAX_OFFSETS = 20;

/** What a reminder is: ahead of the due date (the due day itself included), or after it. */
export type ReminderStage = 'before_due' | 'overdue';

/** Invoice statuses that can still be reminded (with a balance above zero). */
export const REMINDABLE_STATUSES = ['open', 'partially_paid'] as const;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function epochDay(date: string): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`${date} is not a YYYY-MM-DD date`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

/** The calendar day (UTC) of an instant, as YYYY-MM-DD: the day the dunning scan reasons in. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date((epochDay(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** `to - from` in days (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** Why a schedule is refused: each offset a whole number of days in range, once each, ascending. */
export function scheduleErrors(offsets: readonly number[]): FieldError[] {
  const errors: FieldError[] = [];
  if (offsets.length > MAX_OFFSETS) {
    errors.push({ field: 'offsets_days', message: `at most ${MAX_OFFSETS} reminders` });
  }
  offsets.forEach((offset, index) => {
    if (!Number.isInteger(offset)) {
      errors.push({ field: `offsets_days.${index}`, message: 'must be a whole number of days' });
    } else if (offset < MIN_OFFSET || offset > MAX_OFFSET) {
      errors.push({
        field: `offsets_days.${index}`,
        message: `must be between ${MIN_OFFSET} and ${MAX_OFFSET} days from the due date (got ${offset})`,
      });
    }
  });
  for (let index = 1; index < offsets.length; index++) {
    if (offsets[index] === offsets[index - 1] || offsets.indexOf(offsets[index]) < index) {
      errors.push({ field: `offsets_days.${index}`, message: `${offsets[index]} is listed twice` });
    } else if (offsets[index] < offsets[index - 1]) {
      errors.push({
        field: `offsets_days.${index}`,
        message: `offsets must be in ascending order (${offsets[index]} comes after ${offsets[index - 1]})`,
      });
    }
  }
  return errors;
}

export interface ReminderPlanInput {
  /** The company's schedule, ascending. */
  offsets: readonly number[];
  issueDate: string;
  dueDate: string;
  /** Offsets already reminded for this invoice. */
  sentOffsets: readonly number[];
  /** The scan's day (UTC), YYYY-MM-DD. */
  today: string;
}

/**
 * The offset the scan reminds an open invoice of today, or null. This is the rule the scan's SQL
 * applies (`DunningRepository.remindDue`), written out to be read and tested:
 *
 * - an offset is due once its day (due date + offset) has come, unless that day falls before the
 *   invoice was issued (a 1-day invoice gets no "3 days before" reminder);
 * - only the latest due offset is sent: after days without a scan the customer gets one reminder, the
 *   most recent one, not a burst of the ones missed;
 * - never one at or before an offset already sent, so a reminder is sent once per invoice and offset
 *   and never steps back (for instance after the company changed its schedule).
 */
export function dueOffset(input: ReminderPlanInput): number | null {
  let latest: number | null = null;
  for (const offset of input.offsets) {
    const day = addDays(input.dueDate, offset);
    if (day <= input.today && day >= input.issueDate && (latest === null || offset > latest)) latest = offset;
  }
  if (latest === null) return null;
  return input.sentOffsets.some((sent) => sent >= latest) ? null : latest;
}

/**
 * When the next reminder goes, for an invoice still open with a balance: today's if one is due and not
 * sent yet, else the first later offset of the schedule; null when the schedule has nothing left.
 */
export function nextReminder(input: ReminderPlanInput): { offset_days: number; on: string } | null {
  const due = dueOffset(input);
  if (due !== null) return { offset_days: due, on: input.today };
  const floor = Math.max(-Infinity, ...input.sentOffsets);
  for (const offset of [...input.offsets].sort((a, b) => a - b)) {
    const day = addDays(input.dueDate, offset);
    if (offset > floor && day > input.today && day >= input.issueDate)
      return { offset_days: offset, on: day };
  }
  return null;
}

/** A reminder sent on the due day or before it asks to pay by the due date; one after it, to pay now. */
export function stageOf(dueDate: string, remindedOn: string): ReminderStage {
  return remindedOn > dueDate ? 'overdue' : 'before_due';
}

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;

/**
 * Words for the message, from the day the reminder is sent (not from its offset: a reminder sent late
 * after an outage still tells the truth): `due_in` ("today", "tomorrow", "in 3 days") before the due
 * date, `overdue_by` ("1 day", "12 days") after it; the other one is empty.
 */
export function reminderWording(dueDate: string, remindedOn: string): { due_in: string; overdue_by: string } {
  const fromDue = daysBetween(dueDate, remindedOn);
  if (fromDue > 0) return { due_in: '', overdue_by: days(fromDue) };
  if (fromDue === 0) return { due_in: 'today', overdue_by: '' };
  if (fromDue === -1) return { due_in: 'tomorrow', overdue_by: '' };
  return { due_in: `in ${days(-fromDue)}`, overdue_by: '' };
}
