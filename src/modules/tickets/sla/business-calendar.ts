import { DateTime, IANAZone } from 'luxon';

/** ISO weekday (1 = Monday … 7 = Sunday) → working intervals as `HH:MM` pairs in the calendar's time zone. */
export type WorkingWeek = Partial<Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', Array<[string, string]>>>;

/** A company's working time: SLA clocks count only inside it. `null` everywhere below means 24/7. */
export interface BusinessCalendar {
  timeZone: string;
  week: WorkingWeek;
  /** Local dates (`YYYY-MM-DD`) with no working time. */
  holidays: string[];
}

/** Ten years: a deadline further away than that means the calendar has (almost) no working time. */
const MAX_DAYS = 3660;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Faults of a calendar as field errors; empty when it is usable. */
export function calendarErrors(calendar: BusinessCalendar): Array<{ field: string; message: string }> {
  const errors: Array<{ field: string; message: string }> = [];
  if (!IANAZone.isValidZone(calendar.timeZone)) {
    errors.push({ field: 'time_zone', message: 'an IANA time zone such as Africa/Nairobi' });
  }
  let working = 0;
  for (const [day, intervals] of Object.entries(calendar.week)) {
    if (!/^[1-7]$/.test(day)) {
      errors.push({ field: `week.${day}`, message: 'days are ISO weekdays 1 (Monday) to 7 (Sunday)' });
      continue;
    }
    const sorted = [...(intervals ?? [])].sort(([a], [b]) => a.localeCompare(b));
    sorted.forEach(([from, to], index) => {
      if (!TIME.test(from) || !TIME.test(to) || from >= to) {
        errors.push({
          field: `week.${day}`,
          message: `${from}-${to} must be HH:MM-HH:MM with from before to`,
        });
      } else if (index > 0 && sorted[index - 1][1] > from) {
        errors.push({ field: `week.${day}`, message: 'intervals overlap' });
      } else {
        working++;
      }
    });
  }
  if (working === 0) errors.push({ field: 'week', message: 'at least one working interval' });
  for (const holiday of calendar.holidays) {
    if (!DateTime.fromISO(holiday).isValid || !/^\d{4}-\d{2}-\d{2}$/.test(holiday)) {
      errors.push({ field: 'holidays', message: `${holiday} is not a YYYY-MM-DD date` });
    }
  }
  return errors;
}

interface Interval {
  start: number;
  end: number;
}

function at(day: DateTime, time: string): number {
  const [hour, minute] = time.split(':').map(Number);
  return hour === 24
    ? day.plus({ days: 1 }).startOf('day').toMillis()
    : day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
}

/** A local day's working intervals, as epoch milliseconds (luxon resolves DST gaps and overlaps). */
function workingIntervals(calendar: BusinessCalendar, day: DateTime): Interval[] {
  if (calendar.holidays.includes(day.toISODate()!)) return [];
  const intervals = calendar.week[String(day.weekday) as keyof WorkingWeek] ?? [];
  return intervals
    .map(([from, to]) => ({ start: at(day, from), end: at(day, to) }))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
}

function localDay(instant: number, calendar: BusinessCalendar): DateTime {
  return DateTime.fromMillis(instant, { zone: calendar.timeZone }).startOf('day');
}

/** The instant `seconds` of working time after `from` (before it, for a negative number). */
export function addBusinessSeconds(from: Date, seconds: number, calendar: BusinessCalendar | null): Date {
  if (!calendar || seconds === 0) return new Date(from.getTime() + seconds * 1000);
  return seconds > 0
    ? forward(from.getTime(), seconds * 1000, calendar)
    : backward(from.getTime(), -seconds * 1000, calendar);
}

function forward(cursor: number, remaining: number, calendar: BusinessCalendar): Date {
  let day = localDay(cursor, calendar);
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    for (const { start, end } of workingIntervals(calendar, day)) {
      if (end <= cursor) continue;
      const from = Math.max(start, cursor);
      if (remaining <= end - from) return new Date(from + remaining);
      remaining -= end - from;
    }
  }
  throw new Error('The calendar has too little working time to reach the deadline');
}

function backward(cursor: number, remaining: number, calendar: BusinessCalendar): Date {
  let day = localDay(cursor, calendar);
  for (let i = 0; i < MAX_DAYS; i++, day = day.minus({ days: 1 })) {
    for (const { start, end } of workingIntervals(calendar, day).reverse()) {
      if (start >= cursor) continue;
      const to = Math.min(end, cursor);
      if (remaining <= to - start) return new Date(to - remaining);
      remaining -= to - start;
    }
  }
  throw new Error('The calendar has too little working time to reach the deadline');
}

/** Working seconds between two instants (0 when `to` is not after `from`). */
export function businessSecondsBetween(from: Date, to: Date, calendar: BusinessCalendar | null): number {
  const [a, b] = [from.getTime(), to.getTime()];
  if (b <= a) return 0;
  if (!calendar) return Math.round((b - a) / 1000);
  let total = 0;
  for (let day = localDay(a, calendar); day.toMillis() < b; day = day.plus({ days: 1 })) {
    for (const { start, end } of workingIntervals(calendar, day)) {
      total += Math.max(0, Math.min(end, b) - Math.max(start, a));
    }
  }
  return Math.round(total / 1000);
}
