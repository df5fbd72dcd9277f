import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PRINCIPAL, RawRequestContext } from './request-context';

/** Rate limits per authenticated user of a tenant, or per client IP before authentication. */
@Injectable()
export class TenantThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const raw = req.raw as RawRequestContext | undefined;
    const principal = raw?.[PRINCIPAL];
    if (principal) return Promise.resolve(`${principal.companyId}:${principal.userId}`);
    return Promise.resolve(typeof req.ip === 'string' ? req.ip : 'unknown');
  }
}
