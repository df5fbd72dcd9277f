import { readInstantField } from '../../../platform/http/instant';
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

/**
 * The range of a report: `to` defaults to now, `from` to 30 days before `to`; `from` must be before
 * `to` and the range at most 366 days. Answers the range, or the faults by field.
 */
export function resolveRange(
  input: { from?: string; to?: string; interval?: AnalyticsInterval },
  now: Date,
): AnalyticsRange | FieldError[] {
  const errors: FieldError[] = [];
  const fromAt = readInstantField(input, 'from', errors);
  const toAt = readInstantField(input, 'to', errors);
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
