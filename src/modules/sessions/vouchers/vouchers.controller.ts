import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { PageQuery } from '../../../platform/http/pagination';
import { uuidOr404 } from '../../../platform/http/params';
import { CreateVoucherBatchDto } from './dto/voucher.dto';
import { VouchersService } from './vouchers.service';

const BatchId = uuidOr404('Voucher batch');

/**
 * Voucher batches: admins make them (the codes come back once, in that answer); managers and admins
 * follow how many were redeemed or expired. Codes are redeemed through POST /v1/sessions.
 */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('vouchers')
export class VouchersController {
  constructor(private readonly vouchers: VouchersService) {}

  /**
   * Not `@Idempotent()`: a replay would need the answer stored, and the answer holds the codes in
   * clear. A retried request makes a second batch; the first one's codes, never seen, stay unsold.
   */
  @Post('batches')
  @HttpCode(201)
  @Roles('admin')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateVoucherBatchDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.vouchers.createBatch(principal, body);
    void reply.header('cache-control', 'no-store');
    void reply.header('location', `/v1/vouchers/batches/${created.batch.id}`);
    return created;
  }

  @Get('batches')
  @Roles('manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.vouchers.listBatches(principal, query);
  }

  @Get('batches/:id')
  @Roles('manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', BatchId) id: string) {
    return this.vouchers.getBatch(principal, id);
  }
}
