import { AffectedCustomers } from './affected-customers';
import { stageStillCurrent } from './maintenance-notifier';
import type { WindowRow } from './maintenance.repository';

const window = (overrides: Partial<WindowRow>): WindowRow => ({
  id: 'w',
  company_id: 'c',
  starts_at: new Date('2026-11-25T02:00:00Z'),
  ends_at: new Date('2026-11-25T04:00:00Z'),
  services: ['wifi'],
  severity: 'major',
  message: 'm',
  status: 'scheduled',
  version: 1,
  announce_at: new Date('2026-11-23T02:00:00Z'),
  announced_at: null,
  started_at: null,
  completed_at: null,
  cancelled_at: null,
  cancel_reason: null,
  created_by: 'admin',
  created_at: new Date(),
  updated_at: new Date(),
  ...overrides,
});

describe('stageStillCurrent', () => {
  const announced = new Date('2026-11-23T02:00:00Z');

  it('an announcement is current only while the window is scheduled, announced and of that version', () => {
    expect(stageStillCurrent('announced', window({ announced_at: announced }), 1)).toBe(true);
    expect(stageStillCurrent('announced', window({ announced_at: announced, version: 2 }), 1)).toBe(false);
    expect(stageStillCurrent('announced', window({ announced_at: null }), 1)).toBe(false);
    expect(
      stageStillCurrent('announced', window({ status: 'in_progress', announced_at: announced }), 1),
    ).toBe(false);
    expect(stageStillCurrent('announced', window({ status: 'cancelled', announced_at: announced }), 1)).toBe(
      false,
    );
  });

  it('a move is superseded by a later move and void once the window is over or cancelled', () => {
    expect(stageStillCurrent('rescheduled', window({ version: 2 }), 2)).toBe(true);
    expect(stageStillCurrent('rescheduled', window({ version: 3 }), 2)).toBe(false);
    expect(stageStillCurrent('rescheduled', window({ version: 2, status: 'cancelled' }), 2)).toBe(false);
  });

  it('start, completion and cancellation are current while the window is in that state', () => {
    expect(stageStillCurrent('started', window({ status: 'in_progress' }), 1)).toBe(true);
    expect(stageStillCurrent('started', window({ status: 'completed' }), 1)).toBe(false);
    expect(stageStillCurrent('completed', window({ status: 'completed' }), 1)).toBe(true);
    expect(stageStillCurrent('cancelled', window({ status: 'cancelled' }), 1)).toBe(true);
  });
});

describe('AffectedCustomers', () => {
  it('joins every source, without duplicates, in a stable order', async () => {
    const registry = new AffectedCustomers();
    registry.register({ name: 'tags', customersUsing: () => Promise.resolve(['b', 'a']) });
    registry.register({ name: 'sessions', customersUsing: () => Promise.resolve(['c', 'a']) });
    await expect(registry.of('company', ['wifi'])).resolves.toEqual(['a', 'b', 'c']);
  });

  it('passes the company and services to each source', async () => {
    const registry = new AffectedCustomers();
    const customersUsing = jest.fn().mockResolvedValue([]);
    registry.register({ name: 'tags', customersUsing });
    await registry.of('company-1', ['wifi', 'portal']);
    expect(customersUsing).toHaveBeenCalledWith('company-1', ['wifi', 'portal']);
  });

  it('refuses a source registered twice', () => {
    const registry = new AffectedCustomers();
    registry.register({ name: 'tags', customersUsing: () => Promise.resolve([]) });
    expect(() => registry.register({ name: 'tags', customersUsing: () => Promise.resolve([]) })).toThrow(
      /registered twice/,
    );
  });
});
