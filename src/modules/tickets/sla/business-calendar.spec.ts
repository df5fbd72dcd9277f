import {
  addBusinessSeconds,
  BusinessCalendar,
  businessSecondsBetween,
  calendarErrors,
} from './business-calendar';

const nairobi: BusinessCalendar = {
  timeZone: 'Africa/Nairobi', // UTC+3, no DST
  week: {
    '1': [['09:00', '17:00']],
    '2': [['09:00', '17:00']],
    '3': [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    '4': [['09:00', '17:00']],
    '5': [['09:00', '17:00']],
  },
  holidays: ['2026-12-25'],
};
const hours = (n: number) => n * 3600;

describe('business calendar', () => {
  it('is plain elapsed time without a calendar', () => {
    const from = new Date('2026-11-20T10:00:00Z');
    expect(addBusinessSeconds(from, hours(2), null)).toEqual(new Date('2026-11-20T12:00:00Z'));
    expect(businessSecondsBetween(from, new Date('2026-11-21T10:00:00Z'), null)).toBe(hours(24));
  });

  it('counts only working hours, carrying over nights and weekends', () => {
    // Friday 2026-11-20 15:00 Nairobi = 12:00Z; 2 h left that day, the rest on Monday from 09:00.
    const friday = new Date('2026-11-20T12:00:00Z');
    expect(addBusinessSeconds(friday, hours(2), nairobi)).toEqual(new Date('2026-11-20T14:00:00Z'));
    expect(addBusinessSeconds(friday, hours(3), nairobi)).toEqual(new Date('2026-11-23T07:00:00Z'));
    // Submitted on Saturday: the clock starts Monday 09:00.
    expect(addBusinessSeconds(new Date('2026-11-21T08:00:00Z'), hours(1), nairobi)).toEqual(
      new Date('2026-11-23T07:00:00Z'),
    );
  });

  it('skips the lunch break and holidays', () => {
    // Wednesday 2026-11-25 11:00 local (08:00Z) + 2 h = 14:00 local because 12-13 is not working time.
    expect(addBusinessSeconds(new Date('2026-11-25T08:00:00Z'), hours(2), nairobi)).toEqual(
      new Date('2026-11-25T11:00:00Z'),
    );
    // Thursday 2026-12-24 16:00 local + 2 h: Christmas is a holiday, so Saturday/Sunday too → Monday 10:00.
    expect(addBusinessSeconds(new Date('2026-12-24T13:00:00Z'), hours(2), nairobi)).toEqual(
      new Date('2026-12-28T07:00:00Z'),
    );
  });

  it('goes backwards for a negative amount, and measures what lies between', () => {
    const monday10 = new Date('2026-11-23T07:00:00Z');
    expect(addBusinessSeconds(monday10, -hours(2), nairobi)).toEqual(new Date('2026-11-20T13:00:00Z')); // Friday 16:00 local
    expect(businessSecondsBetween(new Date('2026-11-20T12:00:00Z'), monday10, nairobi)).toBe(hours(3));
    expect(businessSecondsBetween(monday10, new Date('2026-11-20T12:00:00Z'), nairobi)).toBe(0);
  });

  it('adds and measures consistently', () => {
    const start = new Date('2026-11-19T05:17:00Z');
    for (const seconds of [1, 1800, hours(7), hours(30), hours(100)]) {
      const due = addBusinessSeconds(start, seconds, nairobi);
      expect(businessSecondsBetween(start, due, nairobi)).toBe(seconds);
    }
  });

  it('follows daylight saving time in the calendar zone', () => {
    const berlin: BusinessCalendar = {
      timeZone: 'Europe/Berlin',
      week: { '7': [['00:00', '24:00']] },
      holidays: [],
    };
    // 2026-03-29 is a Sunday of 23 hours in Berlin.
    expect(
      businessSecondsBetween(new Date('2026-03-28T00:00:00Z'), new Date('2026-03-30T00:00:00Z'), berlin),
    ).toBe(hours(23));
  });

  it('reports unusable calendars', () => {
    expect(calendarErrors(nairobi)).toEqual([]);
    expect(
      calendarErrors({ timeZone: 'Mars/Olympus', week: {}, holidays: ['25/12'] }).map((e) => e.field),
    ).toEqual(['time_zone', 'week', 'holidays']);
    expect(
      calendarErrors({ timeZone: 'UTC', week: { '1': [['10:00', '09:00']] }, holidays: [] }),
    ).toHaveLength(2);
    expect(
      calendarErrors({
        timeZone: 'UTC',
        week: {
          '1': [
            ['09:00', '12:00'],
            ['11:00', '13:00'],
          ],
        },
        holidays: [],
      }),
    ).toContainEqual({ field: 'week.1', message: 'intervals overlap' });
  });
});
