import { bucketBounds, resolveRange } from './analytics-range';

const NOW = new Date('2026-11-22T12:00:00Z');

describe('resolveRange', () => {
  it('defaults to the 30 days before now, as one bucket', () => {
    expect(resolveRange({}, NOW)).toEqual({
      from: new Date('2026-10-23T12:00:00Z'),
      to: NOW,
      interval: null,
      stepSeconds: 30 * 86_400,
      buckets: 1,
    });
  });

  it('counts from 30 days before a given end, and to now from a given start', () => {
    expect(resolveRange({ to: '2026-03-31' }, NOW)).toMatchObject({ from: new Date('2026-03-01T00:00:00Z') });
    expect(resolveRange({ from: '2026-11-01' }, NOW)).toMatchObject({ to: NOW });
  });

  it('cuts the range into days or weeks from `from`, the last bucket clipped', () => {
    const range = resolveRange({ from: '2026-03-02', to: '2026-03-18T12:00:00Z', interval: 'week' }, NOW);
    if (Array.isArray(range)) throw new Error('valid range refused');
    expect(range).toMatchObject({ stepSeconds: 604_800, buckets: 3 });
    expect(bucketBounds(range, 1)).toEqual({
      from: new Date('2026-03-09T00:00:00Z'),
      to: new Date('2026-03-16T00:00:00Z'),
    });
    expect(bucketBounds(range, 2)).toEqual({
      from: new Date('2026-03-16T00:00:00Z'),
      to: new Date('2026-03-18T12:00:00Z'),
    });
    expect(resolveRange({ from: '2026-03-02', to: '2026-03-16', interval: 'day' }, NOW)).toMatchObject({
      buckets: 14,
    });
  });

  it('names the faulty field', () => {
    expect(resolveRange({ from: 'last week', to: '2026-13-01' }, NOW)).toEqual([
      { field: 'from', message: expect.stringContaining('ISO 8601') },
      { field: 'to', message: expect.stringContaining('ISO 8601') },
    ]);
    expect(resolveRange({ from: '2026-03-02', to: '2026-03-02' }, NOW)).toEqual([
      { field: 'from', message: 'from must be before to' },
    ]);
    expect(resolveRange({ from: '2026-03-10', to: '2026-03-02' }, NOW)).toEqual([
      { field: 'from', message: 'from must be before to' },
    ]);
  });

  it('allows at most 366 days', () => {
    expect(Array.isArray(resolveRange({ from: '2025-03-02', to: '2026-03-03' }, NOW))).toBe(false);
    expect(resolveRange({ from: '2025-03-02', to: '2026-03-04' }, NOW)).toEqual([
      { field: 'to', message: 'the range may span at most 366 days' },
    ]);
  });
});
