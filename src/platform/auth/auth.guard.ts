import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { DomainException } from '../http/domain-exception';
import { PRINCIPAL, RawRequestContext } from '../http/request-context';
import { addressTracker, rateLimitKey } from '../http/throttle.guard';
import { FailOpenThrottlerStorage } from '../http/throttler-storage';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators';
import { JwtVerifier } from './jwt-verifier';
import type { Role } from './principal';

/** Global guard: every route needs a valid bearer token unless marked @Public(); @Roles narrows it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
    private readonly config: AppConfig,
    private readonly limits: FailOpenThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    let principal;
    try {
      if (!match) throw new DomainException('unauthorized', 'unauthorized', 'A bearer token is required');
      principal = await this.verifier.verify(match[1]);
    } catch (error) {
      await this.countFailure(request, context.switchToHttp().getResponse<FastifyReply>());
      throw error;
    }
    (request.raw as RawRequestContext)[PRINCIPAL] = principal;

    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => principal.roles.includes(role))) {
      throw new DomainException(
        'forbidden',
        'forbidden',
        `This action needs one of the roles: ${required.join(', ')}`,
      );
    }
    return true;
  }

  /**
   * A request refused for its token spends its address's anonymous budget: the throttler runs after
   * this guard (it needs the principal), so without this, guessing tokens would never be limited.
   */
  private async countFailure(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ttl = this.config.RATE_LIMIT_TTL_MS;
    const { isBlocked, timeToBlockExpire } = await this.limits.increment(
      rateLimitKey('default', addressTracker(request.ip)),
      ttl,
      this.config.RATE_LIMIT_MAX,
      ttl,
      'default',
    );
    if (isBlocked) {
      void reply.header('retry-after', String(timeToBlockExpire));
      throw new ThrottlerException();
    }
  }
}
