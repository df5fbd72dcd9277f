import { DomainException } from '../../platform/http/domain-exception';

export const STATEMENT_FORMATS = ['pdf', 'csv'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];
export const DELIVERY_METHODS = ['download', 'email'] as const;
export type StatementDeliveryMethod = (typeof DELIVERY_METHODS)[number];

export const MIN_PERIOD_MONTHS = 1;
export const MAX_PERIOD_MONTHS = 24;

/** A statement's period: inclusive calendar dates, and its length when it is whole months. */
export interface StatementPeriod {
  from: string;
  to: string;
  /** 1…24 when the period is whole calendar months (asked as `period_months` or as such dates). */
  months: number | null;
}

export interface PeriodRequest {
  period_months?: number;
  from?: string;
  to?: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date `YYYY-MM-DD` that exists, years 1900-2999; undefined otherwise. */
export function calendarDate(text: string): string | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1900 || y > 2999) return undefined;
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d
    ? text
    : undefined;
}

const iso = (date: Date) => date.toISOString().slice(0, 10);
const parts = (date: string) => ({ y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)) });

/** The first day of the month `offset` months from the month of `date`. */
function monthStart(date: string, offset = 0): string {
  const { y, m } = parts(date);
  return iso(new Date(Date.UTC(y, m - 1 + offset, 1)));
}

/** The last day of the month of `date`. */
function monthEnd(date: string): string {
  const { y, m } = parts(date);
  return iso(new Date(Date.UTC(y, m, 0)));
}

/** The UTC calendar date of an instant. */
export const utcDay = (at: Date): string => iso(at);

/**
 * `period_months` months ending with the last full month before `today`: 1 on 2026-03-15 is February;
 * 12 is March of last year to February.
 */
export function monthsPeriod(months: number, today: string): StatementPeriod {
  const to = monthEnd(monthStart(today, -1));
  return { from: monthStart(to, -(months - 1)), to, months };
}

/** `YYYY-MM` as a period of one month; undefined when not a month. */
export function calendarMonth(text: string): StatementPeriod | undefined {
  if (!/^\d{4}-\d{2}$/.test(text) || !calendarDate(`${text}-01`)) return undefined;
  const from = `${text}-01`;
  return { from, to: monthEnd(from), months: 1 };
}

/** The month before the month of `today`, as `YYYY-MM` (the monthly run's period on the 1st). */
export function previousMonth(today: string): string {
  return monthStart(today, -1).slice(0, 7);
}

/** How many whole calendar months `from`…`to` is (1…24), or null when it is not whole months. */
export function wholeMonths(from: string, to: string): number | null {
  if (from.slice(8) !== '01' || to !== monthEnd(to)) return null;
  const a = parts(from);
  const b = parts(to);
  const months = (b.y - a.y) * 12 + (b.m - a.m) + 1;
  return months >= MIN_PERIOD_MONTHS && months <= MAX_PERIOD_MONTHS ? months : null;
}

/** The `period_months` metric label: the whole months, or `custom`. */
export function periodMonthsLabel(period: { from: string; to: string; months: number | null }): string {
  const months = period.months ?? wholeMonths(period.from, period.to);
  return months === null ? 'custom' : String(months);
}

const unprocessable = (code: string, message: string, field: string, detail: string) =>
  new DomainException('unprocessable', code, message, [{ field, message: detail }]);

/**
 * The period a request asks for, as of `today` (UTC): `period_months` (1-24, default 1) ending with the
 * last full month, or explicit `from` and `to` (both, inclusive, `to` not after today, at most 24
 * months long). Shapes are checked by the DTO (400); what cannot be a statement's period is a 422.
 */
export function resolvePeriod(input: PeriodRequest, today: string): StatementPeriod {
  const explicit = input.from !== undefined || input.to !== undefined;
  if (explicit && input.period_months !== undefined) {
    throw unprocessable(
      'statement-period-ambiguous',
      'Give either period_months or from and to, not both',
      'period_months',
      'not with from/to',
    );
  }
  if (!explicit) {
    const months = input.period_months ?? 1;
    if (!Number.isInteger(months) || months < MIN_PERIOD_MONTHS || months > MAX_PERIOD_MONTHS) {
      throw unprocessable(
        'statement-period-invalid',
        'period_months must be a whole number of months from 1 to 24',
        'period_months',
        'between 1 and 24',
      );
    }
    return monthsPeriod(months, today);
  }
  if (input.from === undefined || input.to === undefined) {
    const missing = input.from === undefined ? 'from' : 'to';
    throw unprocessable(
      'statement-period-invalid',
      'Give both from and to',
      missing,
      'required with the other',
    );
  }
  const from = calendarDate(input.from);
  const to = calendarDate(input.to);
  if (!from || !to) {
    throw unprocessable(
      'statement-period-invalid',
      'from and to must be calendar dates YYYY-MM-DD',
      from ? 'to' : 'from',
      'a calendar date YYYY-MM-DD',
    );
  }
  if (from > to) {
    throw unprocessable('statement-period-invalid', 'from is after to', 'from', `on or before ${to}`);
  }
  if (to > today) {
    throw unprocessable(
      'statement-period-invalid',
      'A statement cannot cover days still to come',
      'to',
      `on or before today (${today})`,
    );
  }
  if (from < addMonths(to, -MAX_PERIOD_MONTHS)) {
    throw unprocessable(
      'statement-period-too-long',
      'A statement covers at most 24 months',
      'from',
      `on or after ${addMonths(to, -MAX_PERIOD_MONTHS)}`,
    );
  }
  return { from, to, months: wholeMonths(from, to) };
}

/** `date` moved by whole months, clamped to the month's last day, plus one day (a span's start). */
function addMonths(date: string, months: number): string {
  const { y, m } = parts(date);
  const day = Number(date.slice(8));
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  const moved = new Date(Date.UTC(y, m - 1 + months, Math.min(day, last)));
  return iso(new Date(moved.getTime() + 86_400_000));
}
