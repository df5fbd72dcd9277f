import { parseInstant, readInstantField } from '../../../platform/http/instant';
import { DomainException, FieldError } from '../../../platform/http/domain-exception';

export const REPORT_INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];
export const REPORT_PERIODS = ['weekly', 'monthly'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export const DEFAULT_INTERVAL: ReportInterval = 'day';
export const DEFAULT_RANGE_DAYS = 7;
export const MAX_BUCKETS = 1000;
export const DEFAULT_CHURN_DAYS = 30;
export const MAX_CHURN_DAYS = 365;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** One bucket of a report: [start, end), calendar-aligned in UTC, the first and last clipped to the range. */
export interface ReportBucket {
  start: Date;
  end: Date;
}

/** The period a report covers, [from, to), and its buckets. */
export interface ReportRange {
  from: Date;
  to: Date;
  interval: ReportInterval;
  buckets: ReportBucket[];
}

/** A calendar date `YYYY-MM-DD` as its UTC midnight; undefined when it is not one. */
export function parseCalendarDate(text: string): Date | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseInstant(text) : undefined;
}

/** The start of the UTC hour, day, ISO week (Monday) or month that holds `at`. */
export function intervalStart(at: Date, interval: ReportInterval): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (interval) {
    case 'hour':
      return new Date(Date.UTC(y, m, d, at.getUTCHours()));
    case 'day':
      return new Date(Date.UTC(y, m, d));
    case 'week':
      return new Date(Date.UTC(y, m, d) - ((at.getUTCDay() + 6) % 7) * DAY_MS);
    case 'month':
      return new Date(Date.UTC(y, m, 1));
  }
}

/** The start of the next hour, day, week or month after the aligned `start`. */
export function nextIntervalStart(start: Date, interval: ReportInterval): Date {
  switch (interval) {
    case 'hour':
      return new Date(start.getTime() + HOUR_MS);
    case 'day':
      return new Date(start.getTime() + DAY_MS);
    case 'week':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'month':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/** The step of an interval as PostgreSQL reads it (fixed text: never user input). */
export function pgInterval(interval: ReportInterval): string {
  return `1 ${interval}`;
}

/**
 * The buckets of [from, to): one per UTC hour, day, ISO week or month the range touches, the first
 * starting at `from` and the last ending at `to`. More than 1000 buckets is refused (400): ask for a
 * shorter range or a longer interval.
 */
export function reportBuckets(from: Date, to: Date, interval: ReportInterval): ReportBucket[] {
  const buckets: ReportBucket[] = [];
  for (let key = intervalStart(from, interval); key < to; key = nextIntervalStart(key, interval)) {
    if (buckets.length === MAX_BUCKETS) {
      throw new DomainException(
        'invalid_input',
        'report-too-many-buckets',
        `A report has at most ${MAX_BUCKETS} buckets; shorten the range or choose a longer interval`,
        [{ field: 'interval', message: `more than ${MAX_BUCKETS} ${interval} buckets from from to to` }],
      );
    }
    const next = nextIntervalStart(key, interval);
    buckets.push({
      start: key < from ? from : key,
      end: next > to ? to : next,
    });
  }
  return buckets;
}

const invalid = (errors: FieldError[]) =>
  new DomainException('invalid_input', 'validation-failed', 'The report range is invalid', errors);

/**
 * The range of a report: `from` inclusive, `to` exclusive, each an ISO 8601 date (UTC midnight) or
 * date-time with offset; `to` defaults to `now`, `from` to 7 days before `to`, `interval` to day.
 * `from` must be before `to`. Throws a 400 DomainException naming the faulty field.
 */
export function resolveReportRange(
  input: { from?: string; to?: string; interval?: ReportInterval },
  now: Date,
): ReportRange {
  const errors: FieldError[] = [];
  const fromAt = readInstantField(input, 'from', errors);
  const toAt = readInstantField(input, 'to', errors);
  const interval = input.interval ?? DEFAULT_INTERVAL;
  if (!(REPORT_INTERVALS as readonly string[]).includes(interval)) {
    errors.push({ field: 'interval', message: `interval must be one of ${REPORT_INTERVALS.join(', ')}` });
  }
  if (errors.length > 0) throw invalid(errors);
  const to = toAt ?? now;
  const from = fromAt ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) throw invalid([{ field: 'from', message: 'from must be before to' }]);
  return { from, to, interval, buckets: reportBuckets(from, to, interval) };
}

/** The churn window in days: 1 to 365, 30 when absent. */
export function resolveChurnDays(days: number | undefined): number {
  const value = days ?? DEFAULT_CHURN_DAYS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_CHURN_DAYS) {
    throw invalid([
      { field: 'churn_days', message: `churn_days must be a whole number from 1 to ${MAX_CHURN_DAYS}` },
    ]);
  }
  return value;
}

/**
 * The CLI's periods, the last complete one before the as-of date's start (UTC): `weekly` is the ISO
 * week (Monday 00:00 to the next Monday), `monthly` the calendar month. As of Monday 2026-03-09 the
 * weekly period is 2026-03-02 to 2026-03-09; as of 2026-03-01 the monthly period is February.
 */
export function completePeriod(period: ReportPeriod, asOf: Date): { from: Date; to: Date } {
  switch (period) {
    case 'weekly': {
      const to = intervalStart(asOf, 'week');
      return { from: new Date(to.getTime() - 7 * DAY_MS), to };
    }
    case 'monthly': {
      const to = intervalStart(asOf, 'month');
      return { from: new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 1, 1)), to };
    }
  }
}
