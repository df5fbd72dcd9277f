import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import { uuidOr404 } from '../../platform/http/params';
import { CreateSessionDto, ListSessionsQuery, TerminateSessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

export const SessionId = uuidOr404('Session');

/** Customers buy and end their sessions; staff do it for them and see the tenant's. */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /**
   * Buy a package (`package_id`, `phone`: a mobile-money prompt; the session starts when the payment
   * succeeds) or redeem a voucher (`voucher_code`: starts at once). `Idempotency-Key` is required.
   */
  @Post()
  @Roles('customer', 'agent', 'manager', 'admin')
  @Idempotent()
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: CreateSessionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (key === undefined || key === '') {
      throw new DomainException(
        'invalid_input',
        'idempotency-key-required',
        'A purchase needs an Idempotency-Key',
        [{ field: 'Idempotency-Key', message: 'send a unique key per purchase (e.g. a uuid)' }],
      );
    }
    const session = await this.sessions.create(principal, key, body);
    void reply.header('location', `/v1/sessions/${session.id}`);
    return session;
  }

  @Get()
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListSessionsQuery) {
    return this.sessions.list(principal, query);
  }

  @Get(':id')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', SessionId) id: string) {
    return this.sessions.get(principal, id);
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @Roles('customer', 'agent', 'manager', 'admin')
  terminate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionId) id: string,
    @Body() body: TerminateSessionDto,
  ) {
    return this.sessions.terminate(principal, id, body.note);
  }
}
