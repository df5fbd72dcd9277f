import { DomainException } from '../../../platform/http/domain-exception';
import {
  completePeriod,
  intervalStart,
  nextIntervalStart,
  parseCalendarDate,
  reportBuckets,
  resolveChurnDays,
  resolveReportRange,
} from './report-period';

const NOW = new Date('2026-11-22T12:00:00Z');
const at = (text: string) => new Date(text);
const iso = (buckets: Array<{ start: Date; end: Date }>) =>
  buckets.map((b) => [b.start.toISOString(), b.end.toISOString()]);

/** The DomainException `work` throws (fails the test when it throws nothing or something else). */
function thrown(work: () => unknown): DomainException {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('nothing thrown');
}

describe('parseCalendarDate', () => {
  it('reads a calendar date only as a date', () => {
    expect(parseCalendarDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseCalendarDate('2024-02-29T00:00:00Z')).toBeUndefined();
    expect(parseCalendarDate('2023-02-29')).toBeUndefined();
  });
});

describe('intervals', () => {
  it('aligns to the UTC hour, day, ISO week (Monday) and month', () => {
    const t = at('2026-03-08T17:45:12.5Z'); // a Sunday
    expect(intervalStart(t, 'hour')).toEqual(at('2026-03-08T17:00:00Z'));
    expect(intervalStart(t, 'day')).toEqual(at('2026-03-08T00:00:00Z'));
    expect(intervalStart(t, 'week')).toEqual(at('2026-03-02T00:00:00Z'));
    expect(intervalStart(at('2026-03-02T00:00:00Z'), 'week')).toEqual(at('2026-03-02T00:00:00Z'));
    expect(intervalStart(t, 'month')).toEqual(at('2026-03-01T00:00:00Z'));
  });

  it('steps a month by the calendar, across years', () => {
    expect(nextIntervalStart(at('2026-01-01T00:00:00Z'), 'month')).toEqual(at('2026-02-01T00:00:00Z'));
    expect(nextIntervalStart(at('2026-12-01T00:00:00Z'), 'month')).toEqual(at('2027-01-01T00:00:00Z'));
    expect(nextIntervalStart(at('2026-03-02T00:00:00Z'), 'week')).toEqual(at('2026-03-09T00:00:00Z'));
  });
});

describe('reportBuckets', () => {
  it('cuts days, the first and last clipped to the range', () => {
    expect(iso(reportBuckets(at('2026-03-02T12:00:00Z'), at('2026-03-04T06:00:00Z'), 'day'))).toEqual([
      ['2026-03-02T12:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ['2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z'],
      ['2026-03-04T00:00:00.000Z', '2026-03-04T06:00:00.000Z'],
    ]);
  });

  it('cuts ISO weeks from Monday and calendar months', () => {
    // Saturday 2026-02-28 to Thursday 2026-03-12: the end of one week, a whole week, the start of a third.
    expect(iso(reportBuckets(at('2026-02-28'), at('2026-03-12'), 'week'))).toEqual([
      ['2026-02-28T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z'],
      ['2026-03-09T00:00:00.000Z', '2026-03-12T00:00:00.000Z'],
    ]);
    expect(iso(reportBuckets(at('2026-01-15'), at('2026-03-01'), 'month'))).toEqual([
      ['2026-01-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ]);
  });

  it('counts hours of an offset range in UTC', () => {
    const buckets = reportBuckets(at('2026-03-02T08:30:00+03:00'), at('2026-03-02T10:00:00+03:00'), 'hour');
    expect(iso(buckets)).toEqual([
      ['2026-03-02T05:30:00.000Z', '2026-03-02T06:00:00.000Z'],
      ['2026-03-02T06:00:00.000Z', '2026-03-02T07:00:00.000Z'],
    ]);
  });

  it('allows 1000 buckets and refuses 1001 with a 400 problem code', () => {
    const from = at('2026-01-01T00:00:00Z');
    expect(reportBuckets(from, new Date(from.getTime() + 1000 * 3_600_000), 'hour')).toHaveLength(1000);
    const error = thrown(() => reportBuckets(from, new Date(from.getTime() + 1001 * 3_600_000), 'hour'));
    expect(error).toMatchObject({ kind: 'invalid_input', code: 'report-too-many-buckets' });
    // A range of centuries in hours is refused without building its buckets first.
    expect(thrown(() => reportBuckets(at('1900-01-01'), at('2900-01-01'), 'hour')).code).toBe(
      'report-too-many-buckets',
    );
  });
});

describe('resolveReportRange', () => {
  it('defaults to the 7 days before now, in days', () => {
    const range = resolveReportRange({}, NOW);
    expect(range).toMatchObject({ from: at('2026-11-15T12:00:00Z'), to: NOW, interval: 'day' });
    expect(range.buckets).toHaveLength(8); // 15th 12:00-24:00, six whole days, 22nd 00:00-12:00
  });

  it('counts 7 days back from a given end, and to now from a given start', () => {
    expect(resolveReportRange({ to: '2026-03-09' }, NOW)).toMatchObject({
      from: at('2026-03-02T00:00:00Z'),
      to: at('2026-03-09T00:00:00Z'),
    });
    expect(resolveReportRange({ from: '2026-11-20' }, NOW)).toMatchObject({ to: NOW });
  });

  it('names the faulty fields', () => {
    expect(thrown(() => resolveReportRange({ from: 'last week', to: '2026-13-01' }, NOW))).toMatchObject({
      kind: 'invalid_input',
      code: 'validation-failed',
      errors: [
        { field: 'from', message: expect.stringContaining('ISO 8601') },
        { field: 'to', message: expect.stringContaining('ISO 8601') },
      ],
    });
    for (const [from, to] of [
      ['2026-03-02', '2026-03-02'],
      ['2026-03-10', '2026-03-02'],
    ]) {
      expect(thrown(() => resolveReportRange({ from, to }, NOW)).errors).toEqual([
        { field: 'from', message: 'from must be before to' },
      ]);
    }
    expect(thrown(() => resolveReportRange({ interval: 'fortnight' as 'day' }, NOW)).errors[0].field).toBe(
      'interval',
    );
  });
});

describe('resolveChurnDays', () => {
  it('is 30 by default and 1 to 365 days', () => {
    expect(resolveChurnDays(undefined)).toBe(30);
    expect(resolveChurnDays(1)).toBe(1);
    expect(resolveChurnDays(365)).toBe(365);
    for (const days of [0, -1, 366, 1.5]) {
      expect(thrown(() => resolveChurnDays(days)).errors[0].field).toBe('churn_days');
    }
  });
});

describe('completePeriod', () => {
  it('weekly: the last complete ISO week before the as-of date', () => {
    // Wednesday 2026-03-11 → Monday 2026-03-02 to Monday 2026-03-09.
    expect(completePeriod('weekly', at('2026-03-11'))).toEqual({
      from: at('2026-03-02T00:00:00Z'),
      to: at('2026-03-09T00:00:00Z'),
    });
    // On a Monday the week that just ended is complete.
    expect(completePeriod('weekly', at('2026-03-09'))).toEqual({
      from: at('2026-03-02T00:00:00Z'),
      to: at('2026-03-09T00:00:00Z'),
    });
    // Sunday 2026-03-08: that week is not over yet.
    expect(completePeriod('weekly', at('2026-03-08'))).toEqual({
      from: at('2026-02-23T00:00:00Z'),
      to: at('2026-03-02T00:00:00Z'),
    });
  });

  it('monthly: the last complete calendar month, across a year', () => {
    expect(completePeriod('monthly', at('2026-03-01'))).toEqual({
      from: at('2026-02-01T00:00:00Z'),
      to: at('2026-03-01T00:00:00Z'),
    });
    expect(completePeriod('monthly', at('2026-01-31'))).toEqual({
      from: at('2025-12-01T00:00:00Z'),
      to: at('2026-01-01T00:00:00Z'),
    });
  });
});
