import type { AnalyticsRange } from './analytics-range';
import { backlogSeries, buildReport, figures } from './analytics-report';
import type { CohortRow, CsatRow } from './support-analytics.repository';
import { judge } from './support-kpis';

const cohortRow = (overrides: Partial<CohortRow>): CohortRow => ({
  g: null,
  b: null,
  all_groups: 1,
  all_buckets: 1,
  tickets: 0,
  responded: 0,
  first_response_mean: null,
  first_response_pct: null,
  resolved: 0,
  resolution_mean: null,
  resolution_pct: null,
  reopened: 0,
  escalated: 0,
  ...overrides,
});

describe('judge', () => {
  it('holds the seed 004 bounds strictly', () => {
    const same = (n: number) => n;
    expect(judge('firstResponseSeconds', 7199.9, same)).toEqual({ value: 7199.9, target: 7200, met: true });
    expect(judge('firstResponseSeconds', 7200, same)).toEqual({ value: 7200, target: 7200, met: false });
    expect(judge('resolutionSeconds', 86_400, same).met).toBe(false);
    expect(judge('csatSatisfiedShare', 0.9, same).met).toBe(false);
    expect(judge('csatSatisfiedShare', 0.91, same).met).toBe(true);
    expect(judge('escalationRate', 0.0999, same).met).toBe(true);
    expect(judge('escalationRate', 0.1, same).met).toBe(false);
    expect(judge('escalationRate', null, same)).toEqual({ value: null, target: 0.1, met: null });
  });
});

describe('figures', () => {
  it('turns aggregates into judged figures and rates', () => {
    const result = figures(
      cohortRow({
        tickets: 40,
        responded: 30,
        first_response_mean: 3600.04,
        first_response_pct: [1800, 9000],
        resolved: 20,
        resolution_mean: 90_000,
        resolution_pct: [40_000, 100_000],
        reopened: 2,
        escalated: 3,
      }),
      { g: null, b: null, all_groups: 1, all_buckets: 1, ratings: 3, average: 4.666666, satisfied: 2 },
      7,
    );
    expect(result).toEqual({
      tickets: 40,
      first_response_seconds: {
        count: 30,
        mean: { value: 3600, target: 7200, met: true },
        p50: { value: 1800, target: 7200, met: true },
        p90: { value: 9000, target: 7200, met: false },
      },
      resolution_seconds: {
        count: 20,
        mean: { value: 90_000, target: 86_400, met: false },
        p50: { value: 40_000, target: 86_400, met: true },
        p90: { value: 100_000, target: 86_400, met: false },
      },
      csat: { ratings: 3, average: 4.6667, satisfied_share: { value: 0.6667, target: 0.9, met: false } },
      escalation: { escalated: 3, rate: { value: 0.075, target: 0.1, met: true } },
      reopen: { reopened: 2, resolved: 20, rate: 0.1 },
      backlog: 7,
    });
  });

  it('gives an empty slice zero counts and null values, never a division by zero', () => {
    const empty = figures(undefined, undefined, 0);
    expect(empty.tickets).toBe(0);
    expect(empty.first_response_seconds.mean).toEqual({ value: null, target: 7200, met: null });
    expect(empty.csat).toEqual({
      ratings: 0,
      average: null,
      satisfied_share: { value: null, target: 0.9, met: null },
    });
    expect(empty.escalation.rate.value).toBeNull();
    expect(empty.reopen.rate).toBeNull();
  });
});

describe('backlogSeries', () => {
  it('subtracts from the open count each change dated after a bucket end', () => {
    const series = backlogSeries(
      [
        { g: 'billing', kind: 'open', b: null, n: 5 },
        { g: null, kind: 'open', b: null, n: 1 },
        { g: null, kind: 'delta', b: 1, n: 2 }, // after the end of bucket 0
        { g: null, kind: 'delta', b: 2, n: -1 }, // after the ends of buckets 0 and 1
        { g: null, kind: 'delta', b: null, n: 1 }, // after the range: after every end
        { g: 'billing', kind: 'after', b: null, n: 3 }, // billing's part of the changes after the range
        { g: 'accounts', kind: 'after', b: null, n: -2 }, // resolved since: not open now, open then
      ],
      3,
    );
    expect(series.overall).toEqual([6 - 2 + 1 - 1, 6 + 1 - 1, 6 - 1]);
    expect(series.groups).toEqual(
      new Map<string | null, number>([
        ['billing', 2],
        [null, 1],
        ['accounts', 2],
      ]),
    );
  });
});

describe('buildReport', () => {
  const range: AnalyticsRange = {
    from: new Date('2026-03-02T00:00:00Z'),
    to: new Date('2026-03-12T00:00:00Z'),
    interval: 'week',
    stepSeconds: 604_800,
    buckets: 2,
  };
  const csat = (overrides: Partial<CsatRow>): CsatRow => ({
    g: null,
    b: null,
    all_groups: 1,
    all_buckets: 1,
    ratings: 0,
    average: null,
    satisfied: 0,
    ...overrides,
  });

  it('answers overall, per group and per bucket, groups sorted with null last', () => {
    const report = buildReport(
      range,
      'department',
      [
        cohortRow({ tickets: 3 }),
        cohortRow({ g: 'technical', all_groups: 0, tickets: 2 }),
        cohortRow({ g: null, all_groups: 0, tickets: 1 }),
        cohortRow({ b: 1, all_buckets: 0, tickets: 3 }),
      ],
      [csat({ g: 'billing', all_groups: 0, ratings: 1, average: 5, satisfied: 1 })],
      [
        { g: 'technical', kind: 'open', b: null, n: 1 },
        { g: 'sales', kind: 'open', b: null, n: 1 },
        { g: null, kind: 'delta', b: 1, n: -1 }, // open at the end of week 1, resolved in week 2
        { g: null, kind: 'delta', b: null, n: 1 }, // created after the range, open now
        { g: 'sales', kind: 'after', b: null, n: 1 },
      ],
    );
    expect(report.overall.tickets).toBe(3);
    expect(report.overall.backlog).toBe(1);
    // sales had nothing in the range and no backlog at its end.
    expect(report.groups?.map((g) => [g.key, g.tickets, g.csat.ratings, g.backlog])).toEqual([
      ['billing', 0, 1, 0],
      ['technical', 2, 0, 1],
      [null, 1, 0, 0],
    ]);
    expect(report.buckets?.map((b) => [b.from, b.to, b.tickets, b.backlog])).toEqual([
      ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', 0, 2],
      ['2026-03-09T00:00:00.000Z', '2026-03-12T00:00:00.000Z', 3, 1],
    ]);
  });

  it('leaves out groups and buckets not asked for', () => {
    const report = buildReport(
      { ...range, interval: null, stepSeconds: 864_000, buckets: 1 },
      null,
      [cohortRow({ tickets: 3 })],
      [],
      [{ g: null, kind: 'open', b: null, n: 4 }],
    );
    expect(report).toMatchObject({ group_by: null, interval: null, groups: null, buckets: null });
    expect(report.overall).toMatchObject({ tickets: 3, backlog: 4 });
  });
});
