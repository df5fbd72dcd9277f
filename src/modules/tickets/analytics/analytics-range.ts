import type { FieldError } from '../../../platform/http/domain-exception';

export const ANALYTICS_GROUP_BYS = ['department', 'agent', 'category', 'priority'] as const;
export type AnalyticsGroupBy = (typeof ANALYTICS_GROUP_BYS)[number];
export const ANALYTICS_INTERVALS = ['day', 'week'] as const;
export type AnalyticsInterval = (typeof ANALYTICS_INTERVALS)[number];

const INTERVAL_SECONDS: Record<AnalyticsInterval, number> = { day: 86_400, week: 7 * 86_400 };
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** The period asked for, cut into buckets of a fixed length counted from `from` (the last one clipped at `to`). */
export interface AnalyticsRange {
  from: Date;
  to: Date;
  interval: AnalyticsInterval | null;
  /** Bucket length; without an interval one bucket spans the whole range. */
  stepSeconds: number;
  buckets: number;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * An ISO 8601 date (`2026-03-02`, UTC midnight) or date-time with an offset (`2026-03-02T08:00:00+03:00`,
 * `…Z`). A date-time without an offset is refused: it would mean the server's time zone.
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', , oh = '0', om = '0'] = match;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const realDay =
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d);
  if (!realDay || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) {
    return undefined;
  }
  const at = new Date(match[4] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * The range of a report: `to` defaults to now, `from` to 30 days before `to`; `from` must be before
 * `to` and the range at most 366 days. Answers the range, or the faults by field.
 */
export function resolveRange(
  input: { from?: string; to?: string; interval?: AnalyticsInterval },
  now: Date,
): AnalyticsRange | FieldError[] {
  const errors: FieldError[] = [];
  const read = (field: 'from' | 'to'): Date | undefined => {
    const text = input[field];
    if (text === undefined) return undefined;
    const at = parseInstant(text);
    if (!at) {
      errors.push({
        field,
        message: `${field} must be an ISO 8601 date (YYYY-MM-DD, UTC) or date-time with an offset`,
      });
    }
    return at;
  };
  const fromAt = read('from');
  const toAt = read('to');
  if (errors.length > 0) return errors;
  const to = toAt ?? now;
  const from = fromAt ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) return [{ field: 'from', message: 'from must be before to' }];
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    return [{ field: 'to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }];
  }
  const interval = input.interval ?? null;
  const spanSeconds = (to.getTime() - from.getTime()) / 1000;
  const stepSeconds = interval ? INTERVAL_SECONDS[interval] : spanSeconds;
  return { from, to, interval, stepSeconds, buckets: Math.ceil(spanSeconds / stepSeconds) };
}

/** Bucket `index` of the range: [from + index·step, min(from + (index+1)·step, to)). */
export function bucketBounds(range: AnalyticsRange, index: number): { from: Date; to: Date } {
  const start = range.from.getTime() + index * range.stepSeconds * 1000;
  return {
    from: new Date(start),
    to: new Date(Math.min(start + range.stepSeconds * 1000, range.to.getTime())),
  };
}
