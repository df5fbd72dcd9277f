import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import { uuidOr404 } from '../../platform/http/params';
import { CreatePaymentDto, ListPaymentsQuery } from './dto/payment.dto';
import { PaymentsService } from './payments.service';

const PaymentId = uuidOr404('Payment');

@ApiTags('payments')
@ApiBearerAuth()
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /**
   * Staff (agent and up) for a customer, or a customer for itself. `Idempotency-Key` is required: money
   * must never move twice because a client retried. The same key and body answer the first intent.
   */
  @Post()
  @Roles('customer', 'agent', 'manager', 'admin')
  @Idempotent()
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  create(
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: CreatePaymentDto,
  ) {
    if (key === undefined || key === '') {
      throw new DomainException(
        'invalid_input',
        'idempotency-key-required',
        'A payment needs an Idempotency-Key',
        [{ field: 'Idempotency-Key', message: 'send a unique key per payment (e.g. a uuid)' }],
      );
    }
    return this.payments.create(principal, key, body);
  }

  @Get()
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListPaymentsQuery) {
    return this.payments.list(principal, query);
  }

  @Get(':id')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', PaymentId) id: string) {
    return this.payments.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('customer', 'agent', 'manager', 'admin')
  cancel(@CurrentPrincipal() principal: Principal, @Param('id', PaymentId) id: string) {
    return this.payments.cancel(principal, id);
  }
}
