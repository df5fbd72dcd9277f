import {
  addDays,
  AGING_BUCKETS,
  agingBucket,
  agingPath,
  BUCKET_RANGES,
  bucketDateRanges,
  LEDGER_ROLLBACK_DAYS,
  overdueState,
  overdueStateSql,
  parseCalendarDate,
  utcDate,
} from './aging-definitions';

describe('aging buckets', () => {
  it.each([
    [-400, 'current'],
    [-1, 'current'],
    [0, 'current'],
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [60, '31-60'],
    [61, '61-90'],
    [90, '61-90'],
    [91, '90+'],
    [5000, '90+'],
  ])('age %i days is %s', (age, bucket) => {
    expect(agingBucket(age)).toBe(bucket);
  });

  it('tiles every integer: unbounded ends, each range starting the day after the previous ends', () => {
    expect(BUCKET_RANGES.map((r) => r.bucket)).toEqual([...AGING_BUCKETS]);
    expect(BUCKET_RANGES[0].min).toBeNull();
    expect(BUCKET_RANGES[BUCKET_RANGES.length - 1].max).toBeNull();
    for (let i = 1; i < BUCKET_RANGES.length; i += 1) {
      expect(BUCKET_RANGES[i].min).toBe((BUCKET_RANGES[i - 1].max ?? NaN) + 1);
    }
  });

  it('refuses fractional ages', () => {
    expect(() => agingBucket(1.5)).toThrow();
  });

  it('turns each bucket into the range of basis dates the statements compare with', () => {
    const inRange = (date: string, r: { from: string | null; to: string | null }) =>
      (r.from === null || date >= r.from) && (r.to === null || date <= r.to);
    const ranges = bucketDateRanges('2026-03-01');
    expect(ranges.map((r) => [r.bucket, r.from, r.to])).toEqual([
      ['current', '2026-03-01', null],
      ['1-30', '2026-01-30', '2026-02-28'],
      ['31-60', '2025-12-31', '2026-01-29'],
      ['61-90', '2025-12-01', '2025-12-30'],
      ['90+', null, '2025-11-30'],
    ]);
    // Every day from 200 days back to 10 ahead falls in exactly the bucket of its age.
    for (let age = -10; age <= 200; age += 1) {
      const date = addDays('2026-03-01', -age);
      expect(ranges.filter((r) => inRange(date, r)).map((r) => r.bucket)).toEqual([agingBucket(age)]);
    }
  });
});

describe('overdue state', () => {
  it.each([
    [null, 'current'],
    [-3, 'current'],
    [0, 'current'],
    [1, 'overdue_30'],
    [30, 'overdue_30'],
    [31, 'overdue_60'],
    [60, 'overdue_60'],
    [61, 'overdue_90'],
    [90, 'overdue_90'],
    [400, 'overdue_90'],
  ])('oldest invoice %p days past due is %s', (days, state) => {
    expect(overdueState(days)).toBe(state);
  });

  it('generates the SQL mapping from the same thresholds', () => {
    expect(overdueStateSql('d')).toBe(
      "CASE WHEN d IS NULL THEN 'current' WHEN d <= 0 THEN 'current' WHEN d <= 30 THEN 'overdue_30' " +
        "WHEN d <= 60 THEN 'overdue_60' ELSE 'overdue_90' END",
    );
  });
});

describe('calendar dates', () => {
  it.each(['2026-11-23', '2024-02-29', '1900-01-01', '2999-12-31'])('accepts %s', (text) => {
    expect(parseCalendarDate(text)).toBe(text);
  });

  it.each([
    '2026-02-30',
    '2023-02-29',
    '2026-13-01',
    '2026-1-5',
    '23-11-2026',
    '2026-11-23T00:00:00Z',
    '',
    '1899-12-31',
  ])('refuses %p', (text) => {
    expect(parseCalendarDate(text)).toBeUndefined();
  });

  it('counts days in UTC', () => {
    expect(utcDate(new Date('2026-11-23T23:59:59+03:00'))).toBe('2026-11-23');
    expect(utcDate(new Date('2026-11-24T01:00:00+03:00'))).toBe('2026-11-23');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('rolls the open ledger back for recent dates and rebuilds history for older ones', () => {
    expect(agingPath('2026-11-23', '2026-11-23')).toBe('ledger');
    expect(agingPath('2027-01-01', '2026-11-23')).toBe('ledger');
    expect(agingPath(addDays('2026-11-23', -LEDGER_ROLLBACK_DAYS), '2026-11-23')).toBe('ledger');
    expect(agingPath(addDays('2026-11-23', -LEDGER_ROLLBACK_DAYS - 1), '2026-11-23')).toBe('history');
  });
});
