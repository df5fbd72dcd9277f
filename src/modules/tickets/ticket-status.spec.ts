import { judgeTicketTransition } from './ticket-status';

describe('ticket status transitions', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const day = 24 * 3600 * 1000;

  it('lets staff move a ticket through its life, never out of closed', () => {
    expect(judgeTicketTransition('open', 'pending', 'staff', null, now, 7)).toBe('allowed');
    expect(judgeTicketTransition('pending', 'resolved', 'staff', null, now, 7)).toBe('allowed');
    expect(judgeTicketTransition('resolved', 'closed', 'staff', now, now, 7)).toBe('allowed');
    expect(judgeTicketTransition('closed', 'open', 'staff', now, now, 7)).toBe('not_allowed');
    expect(judgeTicketTransition('open', 'closed', 'staff', null, now, 7)).toBe('not_allowed');
  });

  it('lets a customer reopen only within the window, and close a resolved ticket', () => {
    expect(
      judgeTicketTransition('resolved', 'open', 'customer', new Date(now.getTime() - 6 * day), now, 7),
    ).toBe('allowed');
    expect(
      judgeTicketTransition('resolved', 'open', 'customer', new Date(now.getTime() - 8 * day), now, 7),
    ).toBe('reopen_window_passed');
    expect(judgeTicketTransition('resolved', 'closed', 'customer', now, now, 7)).toBe('allowed');
    expect(judgeTicketTransition('open', 'resolved', 'customer', null, now, 7)).toBe('forbidden');
  });
});
