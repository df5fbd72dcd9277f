import type { BusinessCalendar } from './business-calendar';
import { DEFAULT_ESCALATION_RULES, planEscalations } from './escalation-plan';
import {
  cancelTarget,
  fulfilTarget,
  pauseTarget,
  resumeTarget,
  retarget,
  slaState,
  startTarget,
} from './sla-clock';
import { DEFAULT_SLA_POLICY, selectPolicy, SlaPolicy } from './sla-policy';

const utcOffice: BusinessCalendar = {
  timeZone: 'UTC',
  week: {
    '1': [['09:00', '17:00']],
    '2': [['09:00', '17:00']],
    '3': [['09:00', '17:00']],
    '4': [['09:00', '17:00']],
    '5': [['09:00', '17:00']],
  },
  holidays: [],
};
const t = (iso: string) => new Date(`2026-11-${iso}Z`); // 2026-11-23 is a Monday

describe('SLA policy selection', () => {
  const policy = (name: string, conditions: SlaPolicy['conditions'], fallback = false): SlaPolicy => ({
    ...DEFAULT_SLA_POLICY,
    name,
    conditions,
    fallback,
  });
  const subject = { priority: 'urgent', category: 'billing', customerTags: ['vip'] };

  it('takes the first policy whose conditions all hold, then the fallback, then the default', () => {
    const policies = [
      policy('fallback', {}, true),
      policy('urgent technical', { priorities: ['urgent'], categories: ['technical'] }),
      policy('vip', { customer_tags: ['vip', 'gold'] }),
      policy('urgent', { priorities: ['urgent'] }),
    ];
    expect(selectPolicy(policies, subject).name).toBe('vip');
    expect(selectPolicy(policies, { ...subject, customerTags: [] }).name).toBe('urgent');
    expect(selectPolicy(policies, { ...subject, priority: 'low', customerTags: [] }).name).toBe('fallback');
    expect(selectPolicy([], subject)).toBe(DEFAULT_SLA_POLICY);
  });
});

describe('SLA clock', () => {
  it('hits a target fulfilled in time and misses one fulfilled late, with a breach event', () => {
    const { target: inTime } = startTarget('first_response', 7200, t('23T09:00:00'), null);
    expect(fulfilTarget(inTime, t('23T10:59:00')).map((e) => e.kind)).toEqual(['fulfilled']);
    expect(inTime.status).toBe('hit');
    const { target: late } = startTarget('first_response', 7200, t('23T09:00:00'), null);
    const events = fulfilTarget(late, t('23T11:30:00'));
    expect(events.map((e) => [e.kind, e.at.toISOString()])).toEqual([
      ['breached', '2026-11-23T11:00:00.000Z'],
      ['fulfilled', '2026-11-23T11:30:00.000Z'],
    ]);
    expect(late.status).toBe('missed');
    expect(fulfilTarget(late, t('23T12:00:00'))).toEqual([]); // a first response is never overwritten
    expect(late.fulfilled_at).toEqual(t('23T11:30:00'));
  });

  it('pauses and resumes in working time: the deadline moves by the working time spent paused', () => {
    // 8 working hours from Monday 09:00 → Monday 17:00. Paused Monday 13:00 (4 h used) until Tuesday 10:00.
    const { target } = startTarget('resolution', 8 * 3600, t('23T09:00:00'), utcOffice);
    expect(target.due_at).toEqual(t('23T17:00:00'));
    pauseTarget(target, t('23T13:00:00'), utcOffice);
    expect(target).toMatchObject({ consumed_seconds: 4 * 3600, due_at: null });
    resumeTarget(target, t('24T10:00:00'), utcOffice);
    expect(target.due_at).toEqual(t('24T14:00:00'));
    expect(fulfilTarget(target, t('24T13:00:00'))[0].kind).toBe('fulfilled');
    expect(target.status).toBe('hit');
  });

  it('misses a target paused after its deadline, before the scan saw it', () => {
    const { target } = startTarget('resolution', 3600, t('23T09:00:00'), null);
    const events = pauseTarget(target, t('23T10:30:00'), null);
    expect(events.map((e) => e.kind)).toEqual(['breached', 'paused']);
    expect(target).toMatchObject({ status: 'missed', breached_at: t('23T10:00:00') });
    fulfilTarget(target, t('23T11:00:00'));
    expect(target.status).toBe('missed');
  });

  it('moves the escalation anchor of a missed target by the time paused, never its deadline', () => {
    const { target } = startTarget('resolution', 3600, t('23T09:00:00'), null);
    target.status = 'missed'; // as the breach scan leaves it
    target.breached_at = target.due_at;
    pauseTarget(target, t('23T12:00:00'), null);
    resumeTarget(target, t('23T15:00:00'), null);
    expect(target.due_at).toEqual(t('23T10:00:00'));
    expect(target.anchor_at).toEqual(t('23T13:00:00'));
  });

  it('retargets a running clock from its start, and cancels without a verdict', () => {
    const { target } = startTarget('resolution', 86400, t('23T09:00:00'), null);
    retarget(target, 4 * 3600, null);
    expect(target.due_at).toEqual(t('23T13:00:00'));
    cancelTarget(target, t('23T10:00:00'));
    expect(target.status).toBe('cancelled');
    expect(slaState([target])).toBeNull();
  });

  it('derives the ticket state from its targets', () => {
    const first = startTarget('first_response', 60, t('23T09:00:00'), null).target;
    const resolution = startTarget('resolution', 3600, t('23T09:00:00'), null).target;
    expect(slaState([first, resolution])).toBe('active');
    fulfilTarget(first, t('23T09:05:00'));
    expect(slaState([first, resolution])).toBe('active_with_misses');
    fulfilTarget(resolution, t('23T09:30:00'));
    expect(slaState([first, resolution])).toBe('missed');
  });
});

describe('escalation plan', () => {
  it('plans each level from the earliest open deadline, sooner for urgent tickets, in working time', () => {
    const first = startTarget('first_response', 7200, t('23T09:00:00'), utcOffice).target; // due 11:00
    const resolution = startTarget('resolution', 86400, t('23T09:00:00'), utcOffice).target;
    const urgent = planEscalations([first, resolution], DEFAULT_ESCALATION_RULES, 'urgent', 0, utcOffice);
    expect(urgent.map((s) => [s.level, s.at, s.reason, s.notify_role])).toEqual([
      [1, '2026-11-23T10:30:00.000Z', 'first_response_due_soon', 'team_lead'],
      [2, '2026-11-23T12:00:00.000Z', 'first_response_breached', 'manager'],
      [3, '2026-11-23T15:00:00.000Z', 'first_response_breached', 'director'],
    ]);
    // Normal priority: level 3 is 1440 working minutes (three working days) after the deadline.
    const normal = planEscalations([first, resolution], DEFAULT_ESCALATION_RULES, 'normal', 1, utcOffice);
    expect(normal.map((s) => [s.level, s.at])).toEqual([
      [2, '2026-11-23T15:00:00.000Z'],
      [3, '2026-11-26T11:00:00.000Z'],
    ]);
  });

  it('plans nothing while the clocks are paused or ended', () => {
    const resolution = startTarget('resolution', 3600, t('23T09:00:00'), null).target;
    pauseTarget(resolution, t('23T09:30:00'), null);
    expect(planEscalations([resolution], DEFAULT_ESCALATION_RULES, 'high', 0, null)).toEqual([]);
  });
});
