import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';

/** A caller with only the customer role sees its own customer record and nothing else. */
export function customerScope(principal: Principal): string | undefined {
  const isStaff = principal.roles.some((role) => STAFF_ROLES.includes(role));
  return isStaff ? undefined : principal.customerId;
}

/** Whether the caller may see customer `id` at all (a foreign or hidden id is answered as missing). */
export function canSeeCustomer(principal: Principal, id: string): boolean {
  const own = customerScope(principal);
  return own === undefined || own === id;
}
