import {
  announceAt,
  EditableWindow,
  formatNoticeTime,
  inBatches,
  judgeEdit,
  serviceTag,
  windowTimeErrors,
} from './maintenance-window';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-23T08:00:00Z');

describe('windowTimeErrors', () => {
  it('accepts a window that ends after it starts, in the future', () => {
    expect(windowTimeErrors(at('2026-11-25T02:00:00Z'), at('2026-11-25T04:00:00Z'), NOW)).toEqual([]);
  });

  it('accepts a window already under way (emergency maintenance) as long as it has not ended', () => {
    expect(windowTimeErrors(at('2026-11-23T07:00:00Z'), at('2026-11-23T09:00:00Z'), NOW)).toEqual([]);
  });

  it('refuses a window ending before (or when) it starts, naming ends_at', () => {
    expect(windowTimeErrors(at('2026-11-25T04:00:00Z'), at('2026-11-25T02:00:00Z'), NOW)).toEqual([
      { field: 'ends_at', message: 'ends_at must be after starts_at' },
    ]);
    expect(windowTimeErrors(at('2026-11-25T04:00:00Z'), at('2026-11-25T04:00:00Z'), NOW)).toEqual([
      { field: 'ends_at', message: 'ends_at must be after starts_at' },
    ]);
  });

  it('refuses a window that is already over', () => {
    expect(windowTimeErrors(at('2026-11-22T02:00:00Z'), at('2026-11-22T04:00:00Z'), NOW)).toEqual([
      { field: 'ends_at', message: 'ends_at must be in the future' },
    ]);
  });

  it('refuses windows longer than 30 days and starts more than a year ahead (typos in dates)', () => {
    expect(windowTimeErrors(at('2026-11-25T00:00:00Z'), at('2026-12-26T00:00:00Z'), NOW)).toEqual([
      { field: 'ends_at', message: 'a maintenance window may last at most 30 days' },
    ]);
    expect(windowTimeErrors(at('2027-12-25T00:00:00Z'), at('2027-12-25T02:00:00Z'), NOW)).toEqual([
      { field: 'starts_at', message: 'starts_at may be at most one year ahead' },
    ]);
  });
});

describe('announceAt', () => {
  it('is 48 hours before the start (seed 003)', () => {
    expect(announceAt(at('2026-11-25T02:00:00Z')).toISOString()).toBe('2026-11-23T02:00:00.000Z');
  });
});

describe('judgeEdit', () => {
  const scheduled: EditableWindow = {
    status: 'scheduled',
    starts_at: at('2026-11-25T02:00:00Z'),
    ends_at: at('2026-11-25T04:00:00Z'),
    services: ['wifi', 'portal'],
    severity: 'major',
    message: 'Router upgrade',
  };

  it('moving the times makes a new version (moved)', () => {
    const judgement = judgeEdit(scheduled, { starts_at: at('2026-11-25T03:00:00Z') }, NOW);
    expect(judgement).toMatchObject({ ok: true, moved: true });
    if (judgement.ok) expect(judgement.next.ends_at).toEqual(scheduled.ends_at);
  });

  it('changing the services is a move; the same services in another order are not', () => {
    expect(judgeEdit(scheduled, { services: ['wifi'] }, NOW)).toMatchObject({ ok: true, moved: true });
    expect(judgeEdit(scheduled, { services: ['portal', 'wifi'] }, NOW)).toMatchObject({
      ok: true,
      moved: false,
    });
  });

  it('severity and message alone are edits, not moves', () => {
    expect(judgeEdit(scheduled, { severity: 'critical', message: 'Bigger' }, NOW)).toMatchObject({
      ok: true,
      moved: false,
      next: { severity: 'critical', message: 'Bigger' },
    });
  });

  it('an edit that would end the window before it starts is invalid input on ends_at', () => {
    expect(judgeEdit(scheduled, { ends_at: at('2026-11-25T01:00:00Z') }, NOW)).toEqual({
      ok: false,
      kind: 'invalid_input',
      message: 'The maintenance window is invalid',
      errors: [{ field: 'ends_at', message: 'ends_at must be after starts_at' }],
    });
  });

  it('a window in progress keeps its start and services, but its end may move', () => {
    const running: EditableWindow = {
      ...scheduled,
      status: 'in_progress',
      starts_at: at('2026-11-23T07:00:00Z'),
    };
    expect(judgeEdit(running, { starts_at: at('2026-11-23T07:30:00Z') }, NOW)).toMatchObject({
      ok: false,
      kind: 'invalid_state',
      errors: [{ field: 'starts_at', message: 'the window has already started' }],
    });
    expect(judgeEdit(running, { services: ['wifi'] }, NOW)).toMatchObject({
      ok: false,
      kind: 'invalid_state',
    });
    expect(judgeEdit(running, { ends_at: at('2026-11-25T06:00:00Z') }, NOW)).toMatchObject({
      ok: true,
      moved: true,
    });
  });

  it('completed and cancelled windows are closed', () => {
    for (const status of ['completed', 'cancelled'] as const) {
      expect(judgeEdit({ ...scheduled, status }, { message: 'x' }, NOW)).toMatchObject({
        ok: false,
        kind: 'invalid_state',
      });
    }
  });
});

describe('helpers', () => {
  it('formats notice times in UTC to the minute', () => {
    expect(formatNoticeTime('2026-11-25T05:00:00+03:00')).toBe('2026-11-25 02:00 UTC');
  });

  it('tags a service the way customers are tagged', () => {
    expect(serviceTag('wifi')).toBe('service:wifi');
  });

  it('batches keep order and cover every item once', () => {
    expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inBatches([], 2)).toEqual([]);
  });
});
