import {
  addDays,
  DEFAULT_OFFSETS,
  daysBetween,
  dueOffset,
  nextReminder,
  ReminderPlanInput,
  reminderWording,
  scheduleErrors,
  stageOf,
  utcDay,
} from './reminder-plan';

const DUE = '2026-03-10';
const plan = (today: string, overrides: Partial<ReminderPlanInput> = {}): ReminderPlanInput => ({
  offsets: DEFAULT_OFFSETS,
  issueDate: '2026-02-08',
  dueDate: DUE,
  sentOffsets: [],
  today,
  ...overrides,
});

describe('calendar days', () => {
  it('adds and counts days across months, leap days and years', () => {
    expect(addDays('2026-03-10', -3)).toBe('2026-03-07');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-03-10', '2026-04-09')).toBe(30);
    expect(daysBetween('2026-03-10', '2026-03-07')).toBe(-3);
  });

  it('takes the UTC day of an instant, whatever the process time zone', () => {
    expect(utcDay(new Date('2026-03-09T23:59:59.999Z'))).toBe('2026-03-09');
    expect(utcDay(new Date('2026-03-10T02:00:00+03:00'))).toBe('2026-03-09');
  });
});

describe('dueOffset', () => {
  it('sends each offset of the default schedule on its day, and nothing between them', () => {
    const byDay = (today: string, sent: number[] = []) => dueOffset(plan(today, { sentOffsets: sent }));
    expect(byDay('2026-03-06')).toBeNull(); // 4 days before
    expect(byDay('2026-03-07')).toBe(-3);
    expect(byDay('2026-03-08', [-3])).toBeNull();
    expect(byDay('2026-03-10', [-3])).toBeNull(); // due day: 0 is not in the schedule
    expect(byDay('2026-03-11', [-3])).toBe(1);
    expect(byDay('2026-03-17', [-3, 1])).toBe(7);
    expect(byDay('2026-04-09', [-3, 1, 7])).toBe(30);
    expect(byDay('2026-06-01', [-3, 1, 7, 30])).toBeNull(); // nothing after the last offset
  });

  it('sends an offset once: the same day again finds it sent', () => {
    expect(dueOffset(plan('2026-03-11', { sentOffsets: [-3, 1] }))).toBeNull();
  });

  it('after missed days sends only the latest due offset, not a burst', () => {
    // The scan was down from 4 days before the due date until 8 days after it.
    expect(dueOffset(plan('2026-03-18'))).toBe(7);
    // Then the skipped offsets are never sent: only later ones.
    expect(dueOffset(plan('2026-03-19', { sentOffsets: [7] }))).toBeNull();
    expect(dueOffset(plan('2026-04-09', { sentOffsets: [7] }))).toBe(30);
  });

  it('never steps back to an offset at or before one already sent (a changed schedule)', () => {
    expect(dueOffset(plan('2026-03-20', { offsets: [1, 5], sentOffsets: [7] }))).toBeNull();
    expect(dueOffset(plan('2026-03-24', { offsets: [1, 14], sentOffsets: [7] }))).toBe(14);
  });

  it('skips offsets whose day falls before the invoice was issued', () => {
    // Issued one day before it is due: "3 days before" never applies, the due-day reminder does.
    const shortTerms = { issueDate: '2026-03-09', offsets: [-3, 0, 1] };
    expect(dueOffset(plan('2026-03-09', shortTerms))).toBeNull();
    expect(dueOffset(plan('2026-03-10', shortTerms))).toBe(0);
    // Issued on the day of an offset: that offset applies.
    expect(dueOffset(plan('2026-03-07', { issueDate: '2026-03-07' }))).toBe(-3);
  });

  it('sends nothing with an empty schedule', () => {
    expect(dueOffset(plan('2026-04-09', { offsets: [] }))).toBeNull();
  });
});

describe('nextReminder', () => {
  it("is today's when one is due, else the next offset's day", () => {
    expect(nextReminder(plan('2026-03-01'))).toEqual({ offset_days: -3, on: '2026-03-07' });
    expect(nextReminder(plan('2026-03-07'))).toEqual({ offset_days: -3, on: '2026-03-07' });
    expect(nextReminder(plan('2026-03-07', { sentOffsets: [-3] }))).toEqual({
      offset_days: 1,
      on: '2026-03-11',
    });
    expect(nextReminder(plan('2026-03-12', { sentOffsets: [-3, 1] }))).toEqual({
      offset_days: 7,
      on: '2026-03-17',
    });
  });

  it('is null once the last offset was sent', () => {
    expect(nextReminder(plan('2026-04-09', { sentOffsets: [-3, 1, 7, 30] }))).toBeNull();
  });

  it('agrees with dueOffset on the day it names', () => {
    const input = plan('2026-03-12', { sentOffsets: [-3, 1] });
    const next = nextReminder(input)!;
    expect(dueOffset({ ...input, today: next.on })).toBe(next.offset_days);
    expect(dueOffset({ ...input, today: addDays(next.on, -1) })).toBeNull();
  });
});

describe('stageOf and reminderWording', () => {
  it('is before_due up to and including the due day, overdue after it', () => {
    expect(stageOf(DUE, '2026-03-07')).toBe('before_due');
    expect(stageOf(DUE, DUE)).toBe('before_due');
    expect(stageOf(DUE, '2026-03-11')).toBe('overdue');
  });

  it('words the time from the day it is sent, singular and plural', () => {
    expect(reminderWording(DUE, '2026-03-07')).toEqual({ due_in: 'in 3 days', overdue_by: '' });
    expect(reminderWording(DUE, '2026-03-09')).toEqual({ due_in: 'tomorrow', overdue_by: '' });
    expect(reminderWording(DUE, DUE)).toEqual({ due_in: 'today', overdue_by: '' });
    expect(reminderWording(DUE, '2026-03-11')).toEqual({ due_in: '', overdue_by: '1 day' });
    expect(reminderWording(DUE, '2026-04-09')).toEqual({ due_in: '', overdue_by: '30 days' });
  });
});

describe('scheduleErrors', () => {
  it('accepts the default, an empty schedule, and the range limits', () => {
    expect(scheduleErrors(DEFAULT_OFFSETS)).toEqual([]);
    expect(scheduleErrors([])).toEqual([]);
    expect(scheduleErrors([-60, 0, 365])).toEqual([]);
  });

  it('names each offset out of range or not a whole day', () => {
    expect(scheduleErrors([-61, 1, 366])).toEqual([
      { field: 'offsets_days.0', message: 'must be between -60 and 365 days from the due date (got -61)' },
      { field: 'offsets_days.2', message: 'must be between -60 and 365 days from the due date (got 366)' },
    ]);
    expect(scheduleErrors([1.5])).toEqual([
      { field: 'offsets_days.0', message: 'must be a whole number of days' },
    ]);
  });

  it('refuses duplicates, adjacent or not, and descending order', () => {
    expect(scheduleErrors([1, 1])).toEqual([{ field: 'offsets_days.1', message: '1 is listed twice' }]);
    expect(scheduleErrors([1, 7, 1])).toEqual([{ field: 'offsets_days.2', message: '1 is listed twice' }]);
    expect(scheduleErrors([7, 1])).toEqual([
      { field: 'offsets_days.1', message: 'offsets must be in ascending order (1 comes after 7)' },
    ]);
  });

  it('refuses more than 20 reminders', () => {
    const many = Array.from({ length: 21 }, (_, i) => i);
    expect(scheduleErrors(many)).toEqual([{ field: 'offsets_days', message: 'at most 20 reminders' }]);
  });
});
