/**
 * What AR aging means here, in one place: the buckets (seed 002's names), the bases, the overdue states
 * and the calendar dates they are counted in. The SQL of aging.statements.ts is generated from these
 * tables, so the definition and the query cannot drift apart.
 */

export const AGING_BASES = ['due_date', 'issue_date'] as const;
/** Age counted from the due date (days past due) or from the issue date (days since issue). */
export type AgingBasis = (typeof AGING_BASES)[number];

export const AGING_TRIGGERS = ['scheduled', 'on_demand'] as const;
export type AgingTrigger = (typeof AGING_TRIGGERS)[number];

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface BucketRange {
  bucket: AgingBucket;
  /** Inclusive bounds in whole days of age; null is unbounded. */
  min: number | null;
  max: number | null;
  /** Column stem in aging_snapshot_rows (`<stem>_minor`, `<stem>_invoices`) and in the statements. */
  column: string;
}

/**
 * Age in days = as-of date − basis date. The ranges are closed integer intervals that tile every
 * integer, so an invoice lands in exactly one bucket: `current` is not yet due or due on the as-of date
 * (age ≤ 0), `90+` is more than 90 days (age ≥ 91).
 */
export const BUCKET_RANGES: readonly BucketRange[] = [
  { bucket: 'current', min: null, max: 0, column: 'current' },
  { bucket: '1-30', min: 1, max: 30, column: 'days_1_30' },
  { bucket: '31-60', min: 31, max: 60, column: 'days_31_60' },
  { bucket: '61-90', min: 61, max: 90, column: 'days_61_90' },
  { bucket: '90+', min: 91, max: null, column: 'days_over_90' },
];

/** The bucket of an age in whole days. */
export function agingBucket(ageDays: number): AgingBucket {
  if (!Number.isInteger(ageDays)) throw new Error(`age must be whole days, got ${ageDays}`);
  const range = BUCKET_RANGES.find(
    (r) => (r.min === null || ageDays >= r.min) && (r.max === null || ageDays <= r.max),
  );
  if (!range) throw new Error(`no aging bucket holds ${ageDays}`);
  return range.bucket;
}

/**
 * Each bucket as an inclusive range of basis dates for an as-of date: age = as_of − date, so ages
 * [min, max] are dates [as_of − max, as_of − min] (null: unbounded). Comparing the stored date with
 * these constants is what the statements do: no per-row date arithmetic.
 */
export function bucketDateRanges(
  asOf: string,
): Array<BucketRange & { from: string | null; to: string | null }> {
  return BUCKET_RANGES.map((r) => ({
    ...r,
    from: r.max === null ? null : addDays(asOf, -r.max),
    to: r.min === null ? null : addDays(asOf, -r.min),
  }));
}

export const OVERDUE_STATES = ['current', 'overdue_30', 'overdue_60', 'overdue_90'] as const;
export type OverdueState = (typeof OVERDUE_STATES)[number];

/**
 * A customer's overdue state from its oldest unpaid invoice's days past due (as of the nightly run):
 * none past due → `current`; 1-30 days → `overdue_30`; 31-60 → `overdue_60`; 61 and more → `overdue_90`.
 * `overdue_N` reads "in the bucket that ends at N days"; 61-90 and 90+ both map to the last state.
 */
export const OVERDUE_THRESHOLDS: ReadonlyArray<{ state: OverdueState; maxDays: number | null }> = [
  { state: 'current', maxDays: 0 },
  { state: 'overdue_30', maxDays: 30 },
  { state: 'overdue_60', maxDays: 60 },
  { state: 'overdue_90', maxDays: null },
];

export function overdueState(oldestDaysPastDue: number | null): OverdueState {
  if (oldestDaysPastDue === null) return 'current';
  const found = OVERDUE_THRESHOLDS.find((t) => t.maxDays === null || oldestDaysPastDue <= t.maxDays);
  return found!.state;
}

/** `CASE` mapping an integer days-past-due expression (NULL: nothing past due) to the overdue state. */
export function overdueStateSql(days: string): string {
  const arms = OVERDUE_THRESHOLDS.slice(0, -1).map((t) => `WHEN ${days} <= ${t.maxDays} THEN '${t.state}'`);
  return `CASE WHEN ${days} IS NULL THEN 'current' ${arms.join(' ')} ELSE '${OVERDUE_THRESHOLDS[OVERDUE_THRESHOLDS.length - 1].state}' END`;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 1900-2999; undefined otherwise. */
export function parseCalendarDate(text: string): string | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1900 || y > 2999) return undefined;
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  return text;
}

/** The calendar date of an instant in UTC, the day aging counts in (invoices carry no time zone). */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `date` plus `days` whole days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * How far back the open ledger is rolled back instead of rebuilding history: within this many days of
 * today, aging reads the open invoices (a small partial index) and undoes the allocations and voids
 * dated after the as-of date; further back, it rebuilds every non-draft invoice's balance from its
 * allocations. Both give the same figures (the e2e tests compare them); only the cost differs.
 */
export const LEDGER_ROLLBACK_DAYS = 31;

export type AgingPath = 'ledger' | 'history';

export function agingPath(asOf: string, today: string): AgingPath {
  return asOf >= addDays(today, -LEDGER_ROLLBACK_DAYS) ? 'ledger' : 'history';
}
