import type { Role } from '../../platform/auth/principal';
import type { CustomerStatus } from './entities/customer.entity';

/** The allowed status changes and who may make them. Anything else is refused, naming the transition. */
const TRANSITIONS: Record<CustomerStatus, Partial<Record<CustomerStatus, Role[]>>> = {
  active: { inactive: ['manager', 'admin'], blocked: ['manager', 'admin'] },
  inactive: { active: ['manager', 'admin'], blocked: ['manager', 'admin'] },
  blocked: { active: ['manager', 'admin'] },
};

export type TransitionVerdict = 'allowed' | 'not_allowed' | 'forbidden_role';

export function judgeTransition(from: CustomerStatus, to: CustomerStatus, roles: Role[]): TransitionVerdict {
  const allowedRoles = TRANSITIONS[from][to];
  if (!allowedRoles) return 'not_allowed';
  return allowedRoles.some((role) => roles.includes(role)) ? 'allowed' : 'forbidden_role';
}
