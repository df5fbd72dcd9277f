import type { Role } from '../../platform/auth/principal';

export interface ConsolePermissions {
  /** POST /v1/tickets/:id/comments */
  comment: boolean;
  /** POST /v1/notifications/deliveries/:id/retry */
  retry_notification: boolean;
  /** POST /v1/bank-accounts/requests/:id/retry */
  rerun_bank_setup: boolean;
  /** POST /v1/customers/:id/status */
  change_status: boolean;
}

/**
 * The staff roles each console action's route accepts: the same lists as the routes' @Roles, so the page
 * offers exactly what the server will allow (the server decides either way; test/console-api.e2e-spec.ts
 * calls every route with every role and checks both agree). Retrying a notification delivery is an
 * admin's (notifications.controller.ts), not an agent's.
 */
export const ACTION_ROLES: Readonly<Record<keyof ConsolePermissions, readonly Role[]>> = {
  comment: ['agent', 'manager', 'admin'],
  retry_notification: ['admin'],
  rerun_bank_setup: ['agent', 'manager', 'admin'],
  change_status: ['manager', 'admin'],
};

export function permissionsFor(roles: readonly Role[]): ConsolePermissions {
  const may = (action: keyof ConsolePermissions) => ACTION_ROLES[action].some((role) => roles.includes(role));
  return {
    comment: may('comment'),
    retry_notification: may('retry_notification'),
    rerun_bank_setup: may('rerun_bank_setup'),
    change_status: may('change_status'),
  };
}
