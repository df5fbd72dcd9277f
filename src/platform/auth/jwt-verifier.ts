import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, JWTPayload, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { DomainException } from '../http/domain-exception';
import { Principal, Role, ROLES } from './principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unauthorized(detail: string): DomainException {
  return new DomainException('unauthorized', 'unauthorized', detail);
}

/** Checks a bearer token (HS256 with JWT_SECRET, or the identity provider's JWKS) and reads its claims. */
@Injectable()
export class JwtVerifier {
  private readonly secret: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: AppConfig) {
    this.secret = new TextEncoder().encode(config.JWT_SECRET);
    if (config.JWT_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      // A token that never expires is a credential that cannot be taken back.
      const options = {
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        requiredClaims: ['exp'],
      };
      const { alg } = decodeProtectedHeader(token);
      if (alg === 'HS256' && this.config.acceptsSharedSecretTokens) {
        ({ payload } = await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] }));
      } else if (this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks, options));
      } else {
        throw unauthorized('The token is signed with an algorithm this service does not accept');
      }
    } catch (error) {
      if (error instanceof DomainException) throw error;
      throw unauthorized('The bearer token is invalid or expired');
    }
    return principalFromClaims(payload);
  }
}

export function principalFromClaims(payload: JWTPayload): Principal {
  const {
    sub,
    company_id: companyId,
    roles,
    customer_id: customerId,
  } = payload as JWTPayload & {
    company_id?: unknown;
    roles?: unknown;
    customer_id?: unknown;
  };
  if (typeof sub !== 'string' || sub.length === 0) throw unauthorized('The token has no subject');
  if (typeof companyId !== 'string' || !UUID.test(companyId)) {
    throw unauthorized('The token has no valid company_id claim');
  }
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
    throw unauthorized(`The token's roles must be a non-empty list of ${ROLES.join(', ')}`);
  }
  const principal: Principal = { userId: sub, companyId: companyId.toLowerCase(), roles: roles as Role[] };
  if (roles.includes('customer')) {
    if (typeof customerId !== 'string' || !UUID.test(customerId)) {
      throw unauthorized('A customer token must carry a customer_id claim');
    }
    principal.customerId = customerId.toLowerCase();
  }
  return principal;
}
