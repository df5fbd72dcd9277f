import { AnalyticsGroupBy, AnalyticsRange, bucketBounds } from './analytics-range';
import type { BacklogRow, CohortRow, CsatRow } from './support-analytics.repository';
import { judge, JudgedFigure, SupportKpi } from './support-kpis';

export interface DurationFigures {
  /** Tickets measured: answered (first response) or resolved at least once (resolution). */
  count: number;
  mean: JudgedFigure;
  p50: JudgedFigure;
  p90: JudgedFigure;
}

/** Every figure of one slice: the whole range, a group, a bucket, or a group's bucket. */
export interface Figures {
  /** Tickets created in the slice (merged duplicates left out). */
  tickets: number;
  first_response_seconds: DurationFigures;
  resolution_seconds: DurationFigures;
  csat: { ratings: number; average: number | null; satisfied_share: JudgedFigure };
  escalation: { escalated: number; rate: JudgedFigure };
  reopen: { reopened: number; resolved: number; rate: number | null };
  /** Tickets neither resolved nor closed at the slice's end. */
  backlog: number;
}

export type BucketFigures = { from: string; to: string } & Figures;
export type GroupFigures = { key: string | null } & Figures;

export interface SupportAnalyticsReport {
  from: string;
  to: string;
  group_by: AnalyticsGroupBy | null;
  interval: AnalyticsRange['interval'];
  overall: Figures;
  groups: GroupFigures[] | null;
  buckets: BucketFigures[] | null;
}

export const roundSeconds = (n: number): number => Math.round(n * 10) / 10;
export const roundRatio = (n: number): number => Math.round(n * 10_000) / 10_000;

function durations(
  kpi: SupportKpi,
  count: number,
  mean: number | null,
  pct: number[] | null,
): DurationFigures {
  const measured = count > 0;
  return {
    count,
    mean: judge(kpi, measured ? mean : null, roundSeconds),
    p50: judge(kpi, measured ? (pct?.[0] ?? null) : null, roundSeconds),
    p90: judge(kpi, measured ? (pct?.[1] ?? null) : null, roundSeconds),
  };
}

/** The figures of a slice from its aggregates; a slice with nothing in it has zero counts and null values. */
export function figures(cohort: CohortRow | undefined, csat: CsatRow | undefined, backlog: number): Figures {
  const tickets = cohort?.tickets ?? 0;
  const resolved = cohort?.resolved ?? 0;
  const reopened = cohort?.reopened ?? 0;
  const escalated = cohort?.escalated ?? 0;
  const ratings = csat?.ratings ?? 0;
  return {
    tickets,
    first_response_seconds: durations(
      'firstResponseSeconds',
      cohort?.responded ?? 0,
      cohort?.first_response_mean ?? null,
      cohort?.first_response_pct ?? null,
    ),
    resolution_seconds: durations(
      'resolutionSeconds',
      resolved,
      cohort?.resolution_mean ?? null,
      cohort?.resolution_pct ?? null,
    ),
    csat: {
      ratings,
      average: ratings > 0 && typeof csat?.average === 'number' ? roundRatio(csat.average) : null,
      satisfied_share: judge(
        'csatSatisfiedShare',
        ratings > 0 ? csat!.satisfied / ratings : null,
        roundRatio,
      ),
    },
    escalation: {
      escalated,
      rate: judge('escalationRate', tickets > 0 ? escalated / tickets : null, roundRatio),
    },
    reopen: { reopened, resolved, rate: resolved > 0 ? roundRatio(reopened / resolved) : null },
    backlog,
  };
}

/** Stands for "every group" or "every bucket" in a cell's key. */
const ALL = Symbol('all');
type Part<T> = T | typeof ALL;
const key = (group: Part<string | null>, bucket: Part<number>): string =>
  `${group === ALL ? '*' : `=${JSON.stringify(group)}`}|${bucket === ALL ? '*' : bucket}`;
const cellKey = (row: { g: string | null; b: number | null; all_groups: number; all_buckets: number }) =>
  key(row.all_groups ? ALL : row.g, row.all_buckets ? ALL : (row.b ?? 0));

/**
 * The backlog at the end of every bucket (the tickets open now minus the changes dated after that end:
 * those in later buckets, and those after the range, `b` null), and each group's at the end of the range.
 */
export function backlogSeries(
  rows: BacklogRow[],
  buckets: number,
): { overall: number[]; groups: Map<string | null, number> } {
  const overall = new Array<number>(buckets).fill(0);
  const groups = new Map<string | null, number>();
  for (const row of rows) {
    switch (row.kind) {
      case 'open':
        for (let k = 0; k < buckets; k += 1) overall[k] += row.n;
        groups.set(row.g, (groups.get(row.g) ?? 0) + row.n);
        break;
      case 'delta': {
        // A change in bucket b (or after the range) happened after the ends of buckets 0 … b-1.
        const last = row.b === null ? buckets : Math.min(row.b, buckets);
        for (let k = 0; k < last; k += 1) overall[k] -= row.n;
        break;
      }
      case 'after':
        groups.set(row.g, (groups.get(row.g) ?? 0) - row.n);
        break;
    }
  }
  return { overall, groups };
}

/** Compares group keys: by name, tickets without one (null) last. */
const byKey = (a: string | null, b: string | null): number =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0;

/** The answer of GET /v1/support/analytics from the three statements' rows. */
export function buildReport(
  range: AnalyticsRange,
  groupBy: AnalyticsGroupBy | null,
  cohortRows: CohortRow[],
  csatRows: CsatRow[],
  backlogRows: BacklogRow[],
): SupportAnalyticsReport {
  const cohort = new Map(cohortRows.map((row) => [cellKey(row), row]));
  const csat = new Map(csatRows.map((row) => [cellKey(row), row]));
  const backlog = backlogSeries(backlogRows, range.buckets);
  const last = range.buckets - 1;
  const slice = (group: Part<string | null>, bucket: Part<number>, backlogAtEnd: number): Figures =>
    figures(cohort.get(key(group, bucket)), csat.get(key(group, bucket)), backlogAtEnd);
  const bucketList = (): BucketFigures[] =>
    Array.from({ length: range.buckets }, (_, k) => {
      const bounds = bucketBounds(range, k);
      return {
        from: bounds.from.toISOString(),
        to: bounds.to.toISOString(),
        ...slice(ALL, k, backlog.overall[k]),
      };
    });

  let groups: GroupFigures[] | null = null;
  if (groupBy) {
    const keys = new Set<string | null>();
    for (const row of [...cohortRows, ...csatRows]) if (!row.all_groups) keys.add(row.g);
    for (const [group, n] of backlog.groups) if (n !== 0) keys.add(group);
    groups = [...keys]
      .sort(byKey)
      .map((group) => ({ key: group, ...slice(group, ALL, backlog.groups.get(group) ?? 0) }));
  }
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    group_by: groupBy,
    interval: range.interval,
    overall: slice(ALL, ALL, backlog.overall[last]),
    groups,
    buckets: range.interval ? bucketList() : null,
  };
}
