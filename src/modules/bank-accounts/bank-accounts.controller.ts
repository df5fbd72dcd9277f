import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { Idempotent } from '../../platform/http/idempotency';
import { PageQuery } from '../../platform/http/pagination';
import { uuidOr404 } from '../../platform/http/params';
import { BankAccountsService } from './bank-accounts.service';
import { CreateBankAccountDto } from './dto/bank-account.dto';

const CustomerId = uuidOr404('Customer');
const RequestId = uuidOr404('Bank account request');

/**
 * A customer's bank accounts: request a setup (202, run by a worker) and list the accounts. Staff
 * (agent and up; viewers read) or the customer itself: a customer token reaches only its own id, any
 * other answers 404 (CustomersService.get scopes it).
 */
@ApiTags('bank-accounts')
@ApiBearerAuth()
@Controller('customers')
export class CustomerBankAccountsController {
  constructor(private readonly bankAccounts: BankAccountsService) {}

  @Post(':id/bank-accounts')
  @HttpCode(202)
  @Roles('customer', 'agent', 'manager', 'admin')
  @Idempotent()
  async request(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: CreateBankAccountDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = await this.bankAccounts.request(principal, id, body);
    void reply.header('location', `/v1/bank-accounts/requests/${request.id}`);
    return request;
  }

  @Get(':id/bank-accounts')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: PageQuery,
  ) {
    return this.bankAccounts.list(principal, id, query);
  }
}

/** A setup request's state, to poll after the 202. */
@ApiTags('bank-accounts')
@ApiBearerAuth()
@Controller('bank-accounts')
export class BankAccountRequestsController {
  constructor(private readonly bankAccounts: BankAccountsService) {}

  @Get('requests/:id')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', RequestId) id: string) {
    return this.bankAccounts.getRequest(principal, id);
  }

  /**
   * Support re-runs a failed (system_error) or stuck setup through the outbox and queue (202, the
   * request back to `queued`); 409 when it completed, was refused, or is still within its normal time.
   */
  @Post('requests/:id/retry')
  @HttpCode(202)
  @Roles('agent', 'manager', 'admin')
  retry(@CurrentPrincipal() principal: Principal, @Param('id', RequestId) id: string) {
    return this.bankAccounts.retry(principal, id);
  }
}
