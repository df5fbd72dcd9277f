import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Role } from './principal';

export interface TokenRequest {
  companyId: string;
  roles: Role[];
  userId?: string;
  customerId?: string;
  ttlSeconds?: number;
}

/** Mints an HS256 token the service accepts: for development, tests and the bench, never for production. */
export async function mintToken(secret: string, request: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = { company_id: request.companyId, roles: request.roles };
  if (request.customerId) claims.customer_id = request.customerId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.userId ?? randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(secret));
}
