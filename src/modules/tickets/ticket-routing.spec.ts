import { formatTicketNumber, route } from './ticket-routing';

describe('ticket routing', () => {
  it('routes by the company table first, then the defaults; other goes to triage', () => {
    const routes = new Map([['billing', 'finance']]);
    expect(route('billing', routes)).toEqual({ department: 'finance', needsTriage: false });
    expect(route('connectivity', routes)).toEqual({ department: 'technical', needsTriage: false });
    expect(route('other', routes)).toEqual({ department: null, needsTriage: true });
  });

  it('numbers tickets per day', () => {
    expect(formatTicketNumber(new Date('2026-11-22T23:59:00Z'), 42)).toBe('TKT-20261122-00042');
  });
});
