import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'custops:ticket-confirmation';

/**
 * Signed, expiring links to confirm or reopen a resolution. The key is derived from JWT_SECRET for
 * this one purpose, so a link can never pass as an API token (nor a token as a link). Single use is
 * enforced by the request row, not by the link.
 */
export class ConfirmationLinks {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('custops:ticket-confirmation-link').digest();
  }

  sign(requestId: string, expiresAt: Date): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(requestId)
      .setAudience(AUDIENCE)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  /** The request id, or why not: a link that was tampered with and one that expired are told apart. */
  async verify(token: string, now: Date): Promise<{ requestId: string } | { fault: 'invalid' | 'expired' }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: now,
      });
      return payload.sub ? { requestId: payload.sub } : { fault: 'invalid' };
    } catch (error) {
      return { fault: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
