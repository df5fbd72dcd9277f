export const SESSION_STATUSES = [
  'pending_payment',
  'payment_failed',
  'active',
  'terminated',
  'expired',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const SESSION_SOURCES = ['purchase', 'voucher'] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];

/** RFC 2866 Acct-Terminate-Cause, by name, as an access controller reports it. */
export const RADIUS_TERMINATE_CAUSES = [
  'User-Request',
  'Lost-Carrier',
  'Lost-Service',
  'Idle-Timeout',
  'Session-Timeout',
  'Admin-Reset',
  'Admin-Reboot',
  'Port-Error',
  'NAS-Error',
  'NAS-Request',
  'NAS-Reboot',
  'Port-Unneeded',
  'Port-Preempted',
  'Port-Suspended',
  'Service-Unavailable',
  'Callback',
  'User-Error',
  'Host-Request',
] as const;
export type RadiusTerminateCause = (typeof RADIUS_TERMINATE_CAUSES)[number];

/**
 * Why a session ended: the RADIUS cause in snake case (`lost_carrier`, `idle_timeout` …), plus
 * `data_cap`, which RADIUS reports as Session-Timeout (what access controllers send when a volume
 * limit is reached) but which support needs to tell apart. Bounded: a metric label.
 */
export type TerminationReason = 'data_cap' | SnakeCase<RadiusTerminateCause>;
type SnakeCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Lowercase<Head>}_${SnakeCase<Tail>}`
  : Lowercase<S>;

/** Who ended it: the customer, a staff member, custops itself (expiry, cap) or the access controller. */
export type TerminatedBy = 'customer' | 'staff' | 'system' | 'access_controller';

export function reasonOfCause(cause: RadiusTerminateCause): TerminationReason {
  return cause.toLowerCase().replace(/-/g, '_') as TerminationReason;
}

export function causeOfReason(reason: TerminationReason): RadiusTerminateCause {
  if (reason === 'data_cap') return 'Session-Timeout';
  const cause = RADIUS_TERMINATE_CAUSES.find((candidate) => reasonOfCause(candidate) === reason);
  if (!cause) throw new Error(`No RADIUS cause for reason ${String(reason)}`);
  return cause;
}

/** A session that ran out of time ends `expired`; every other end is `terminated`. */
export function endStatusOf(reason: TerminationReason): 'expired' | 'terminated' {
  return reason === 'session_timeout' ? 'expired' : 'terminated';
}
