import { CUSTOMER_STATUSES } from './entities/customer.entity';
import { judgeTransition } from './customer-status';

describe('customer status transitions', () => {
  const allowed = new Set([
    'active→inactive',
    'inactive→active',
    'active→blocked',
    'inactive→blocked',
    'blocked→active',
  ]);

  it.each(CUSTOMER_STATUSES.flatMap((from) => CUSTOMER_STATUSES.map((to) => [from, to] as const)))(
    '%s → %s',
    (from, to) => {
      const verdict = judgeTransition(from, to, ['manager']);
      expect(verdict).toBe(allowed.has(`${from}→${to}`) ? 'allowed' : 'not_allowed');
    },
  );

  it('lets only managers and admins change status', () => {
    expect(judgeTransition('blocked', 'active', ['agent'])).toBe('forbidden_role');
    expect(judgeTransition('blocked', 'active', ['admin'])).toBe('allowed');
    expect(judgeTransition('active', 'inactive', ['viewer'])).toBe('forbidden_role');
  });
});
