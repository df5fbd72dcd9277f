import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { Idempotent } from '../../../platform/http/idempotency';
import { CreditService } from './credit.service';
import {
  ApproveAdjustmentDto,
  ListAdjustmentsQuery,
  ListBreachesQuery,
  ListCustomerAdjustmentsQuery,
  RejectAdjustmentDto,
  RequestAdjustmentDto,
} from './dto/credit.dto';
import { uuidOr404 } from '../../../platform/http/params';

const CustomerId = uuidOr404('Customer');
const AdjustmentId = uuidOr404('Credit limit adjustment');

/** A customer's credit: limit, exposure and utilisation; limit changes are requested here. */
@ApiTags('credit')
@ApiBearerAuth()
@Controller('customers/:id/credit')
export class CustomerCreditController {
  constructor(private readonly credit: CreditService) {}

  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', CustomerId) id: string) {
    return this.credit.credit(principal, id);
  }

  /** Agents and up ask; a manager or admin decides (POST /v1/credit/adjustments/:id/approve|reject). */
  @Post('adjustments')
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  requestAdjustment(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: RequestAdjustmentDto,
  ) {
    return this.credit.requestAdjustment(principal, id, body);
  }

  @Get('adjustments')
  @Roles('viewer', 'agent', 'manager', 'admin')
  adjustments(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: ListCustomerAdjustmentsQuery,
  ) {
    return this.credit.adjustments(principal, query, id);
  }
}

/** Company-wide credit control: the adjustment queue and its decisions, breaches, utilisation. */
@ApiTags('credit')
@ApiBearerAuth()
@Controller('credit')
export class CreditController {
  constructor(private readonly credit: CreditService) {}

  @Get('adjustments')
  @Roles('viewer', 'agent', 'manager', 'admin')
  adjustments(@CurrentPrincipal() principal: Principal, @Query() query: ListAdjustmentsQuery) {
    return this.credit.adjustments(principal, query);
  }

  @Get('adjustments/:id')
  @Roles('viewer', 'agent', 'manager', 'admin')
  adjustment(@CurrentPrincipal() principal: Principal, @Param('id', AdjustmentId) id: string) {
    return this.credit.adjustment(principal, id);
  }

  @Post('adjustments/:id/approve')
  @HttpCode(200)
  @Roles('manager', 'admin')
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id', AdjustmentId) id: string,
    @Body() body: ApproveAdjustmentDto,
  ) {
    return this.credit.approve(principal, id, body.reason);
  }

  @Post('adjustments/:id/reject')
  @HttpCode(200)
  @Roles('manager', 'admin')
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('id', AdjustmentId) id: string,
    @Body() body: RejectAdjustmentDto,
  ) {
    return this.credit.reject(principal, id, body.reason);
  }

  @Get('breaches')
  @Roles('viewer', 'agent', 'manager', 'admin')
  breaches(@CurrentPrincipal() principal: Principal, @Query() query: ListBreachesQuery) {
    return this.credit.breaches(principal, query);
  }

  /** Customers with a limit per utilisation bucket (closed below, open above: 25 % exactly is 25-50%). */
  @Get('utilisation')
  @Roles('viewer', 'agent', 'manager', 'admin')
  utilisation(@CurrentPrincipal() principal: Principal) {
    return this.credit.utilisation(principal);
  }
}
