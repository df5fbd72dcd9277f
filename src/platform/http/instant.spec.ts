import { parseInstant } from './instant';

describe('parseInstant', () => {
  it('reads a date as UTC midnight and a date-time with its offset', () => {
    expect(parseInstant('2026-03-02')?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(parseInstant('2026-03-02T08:00:00+03:00')?.toISOString()).toBe('2026-03-02T05:00:00.000Z');
    expect(parseInstant('2026-03-02T08:00Z')?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(parseInstant('2026-03-02T08:00:00.250-01:30')?.toISOString()).toBe('2026-03-02T09:30:00.250Z');
  });

  it('refuses a date-time without offset, impossible dates and other formats', () => {
    for (const text of [
      '2026-03-02T08:00:00',
      '2026-02-30',
      '2026-13-01',
      '2026-03-02T24:00:00Z',
      '2026-03-02T08:00:00+0300',
      '02/03/2026',
      'yesterday',
      '',
    ]) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });
});
