import { STATUSES } from '../dto/ticket.dto';
import { judgeTicketTransition } from '../ticket-status';

/**
 * The backlog statement counts a ticket out when it is resolved (or merged) and back in when it is
 * reopened (resolved → open), and nothing else. That holds only while the status machine allows no
 * other way into or out of "resolved or closed": this test fails the day it does.
 */
describe('status changes the backlog counts', () => {
  const done = (status: string) => status === 'resolved' || status === 'closed';
  const allowed = STATUSES.flatMap((from) =>
    STATUSES.filter((to) => judgeTicketTransition(from, to, 'staff', null, new Date(), 7) === 'allowed').map(
      (to) => [from, to] as const,
    ),
  );

  it('enter resolved or closed only by becoming resolved', () => {
    const entering = allowed.filter(([from, to]) => !done(from) && done(to));
    expect(entering.length).toBeGreaterThan(0);
    expect(entering.every(([, to]) => to === 'resolved')).toBe(true);
  });

  it('leave them only by reopening a resolved ticket', () => {
    expect(allowed.filter(([from, to]) => done(from) && !done(to))).toEqual([['resolved', 'open']]);
  });
});
