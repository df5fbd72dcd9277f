import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainException } from '../http/domain-exception';
import { PRINCIPAL, RawRequestContext } from '../http/request-context';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators';
import { JwtVerifier } from './jwt-verifier';
import type { Role } from './principal';

/** Global guard: every route needs a valid bearer token unless marked @Public(); @Roles narrows it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainException('unauthorized', 'unauthorized', 'A bearer token is required');
    const principal = await this.verifier.verify(match[1]);
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
}
