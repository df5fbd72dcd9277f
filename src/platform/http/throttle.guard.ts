import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PRINCIPAL, RawRequestContext } from './request-context';

/**
 * The storage key of a caller's budget: one per caller whatever the route (the library's default
 * key includes the controller and handler, which would give a caller a fresh budget per endpoint).
 */
export function rateLimitKey(throttler: string, tracker: string): string {
  return `${throttler}:${tracker}`;
}

/** Anonymous callers, and callers whose token failed, are tracked by their address. */
export function addressTracker(ip: unknown): string {
  return typeof ip === 'string' ? ip : 'unknown';
}

/** Rate limits per authenticated user of a tenant, or per client IP before authentication. */
@Injectable()
export class TenantThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const raw = req.raw as RawRequestContext | undefined;
    const principal = raw?.[PRINCIPAL];
    if (principal) return Promise.resolve(`${principal.companyId}:${principal.userId}`);
    return Promise.resolve(addressTracker(req.ip));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return rateLimitKey(throttler, tracker);
  }
}
