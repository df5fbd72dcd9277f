import { Injectable } from '@nestjs/common';
import { RedisCache } from '../../platform/cache/redis-cache';
import { Clock } from '../../platform/clock/clock';
import { DomainException } from '../../platform/http/domain-exception';
import { SessionRow, SessionsRepository } from './sessions.repository';
import type { SessionStatus } from './session-types';

/** How long a session's terms stay cached: usage counts in an answer may be this old, never an end. */
export const AUTHORIZE_CACHE_MS = 5_000;

/** What a decision needs, as cached. Times in epoch milliseconds. */
interface AuthorizationTerms {
  status: SessionStatus;
  expiresAt: number | null;
  dataCapBytes: number | null;
  usedBytes: number;
  speedProfile: string | null;
}

export type DenyReason = 'payment_pending' | 'payment_failed' | 'terminated' | 'expired' | 'data_cap_reached';

const termsOf = (row: SessionRow): AuthorizationTerms => ({
  status: row.status,
  expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
  dataCapBytes: row.data_cap_bytes === null ? null : Number(row.data_cap_bytes),
  usedBytes: Number(row.bytes_in) + Number(row.bytes_out),
  speedProfile: row.speed_profile,
});

const DENIED_BY_STATUS: Partial<Record<SessionStatus, DenyReason>> = {
  pending_payment: 'payment_pending',
  payment_failed: 'payment_failed',
  terminated: 'terminated',
  expired: 'expired',
};

/**
 * Answers the access controller whether a session may go on (a RADIUS Access-Accept with its
 * Session-Timeout, or a reject). The session's terms come from Redis when a recent answer cached them,
 * else from one primary-key read; the decision itself is computed at every call from the clock, so an
 * expiry is exact whatever the cache holds. Every end removes the cached terms after its commit.
 */
@Injectable()
export class SessionAuthorizer {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly cache: RedisCache,
    private readonly clock: Clock,
  ) {}

  async authorize(companyId: string, sessionId: string) {
    const terms = await this.terms(companyId, sessionId);
    const now = this.clock.now().getTime();
    const remainingBytes =
      terms.dataCapBytes === null ? null : Math.max(0, terms.dataCapBytes - terms.usedBytes);
    let reason: DenyReason | null = DENIED_BY_STATUS[terms.status] ?? null;
    if (!reason && terms.expiresAt !== null && terms.expiresAt <= now) reason = 'expired';
    if (!reason && remainingBytes === 0) reason = 'data_cap_reached';
    const allow = reason === null;
    return {
      session_id: sessionId,
      allow,
      reason,
      status: terms.status,
      remaining_seconds: allow && terms.expiresAt !== null ? Math.floor((terms.expiresAt - now) / 1000) : 0,
      remaining_bytes: allow ? remainingBytes : 0,
      speed_profile: allow ? terms.speedProfile : null,
      expires_at: terms.expiresAt === null ? null : new Date(terms.expiresAt).toISOString(),
    };
  }

  /**
   * Call after the commit that started, failed or ended these sessions: their new terms overwrite
   * whatever is cached. A reader that loaded the old row meanwhile only fills an empty key
   * (setIfAbsent), so it cannot put the old state back.
   */
  async remember(rows: SessionRow[]): Promise<void> {
    await Promise.all(
      rows.map((row) => this.cache.set(this.key(row.company_id, row.id), termsOf(row), AUTHORIZE_CACHE_MS)),
    );
  }

  private async terms(companyId: string, sessionId: string): Promise<AuthorizationTerms> {
    const key = this.key(companyId, sessionId);
    const cached = await this.cache.get<AuthorizationTerms>(key);
    if (cached) return cached;
    const row = await this.repository.find(companyId, sessionId);
    if (!row) throw DomainException.notFound('Session');
    const terms = termsOf(row);
    await this.cache.setIfAbsent(key, terms, AUTHORIZE_CACHE_MS);
    return terms;
  }

  private key(companyId: string, sessionId: string): string {
    return `session-authz:${companyId}:${sessionId}`;
  }
}
