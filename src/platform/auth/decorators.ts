import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PRINCIPAL, RawRequestContext } from '../http/request-context';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'custops:public';
export const REQUIRED_ROLES = 'custops:roles';

/** The route needs no token (health, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The caller needs at least one of these roles. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);

/** The authenticated caller; the only source of the tenant. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = (request.raw as RawRequestContext)[PRINCIPAL];
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);
