import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { Idempotent } from '../../../platform/http/idempotency';
import { PageQuery } from '../../../platform/http/pagination';
import { AgingSnapshotsService } from './aging-snapshots.service';
import { AgingService } from './aging.service';
import { AgingAsOfQuery, AgingReportQuery, RequestSnapshotDto } from './dto/aging.dto';
import { uuidOr404 } from '../../../platform/http/params';

const SnapshotId = uuidOr404('Aging snapshot');
const CustomerId = uuidOr404('Customer');

@ApiTags('aging')
@ApiBearerAuth()
@Controller('aging')
export class AgingController {
  constructor(
    private readonly aging: AgingService,
    private readonly snapshots: AgingSnapshotsService,
  ) {}

  /** Receivables by age bucket, per customer and company, in each currency, as of any date. */
  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin')
  report(@CurrentPrincipal() principal: Principal, @Query() query: AgingReportQuery) {
    return this.aging.report(principal, query);
  }

  /** Takes a snapshot in the worker: 202 with the pending snapshot to poll. */
  @Post('snapshots')
  @HttpCode(202)
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  requestSnapshot(@CurrentPrincipal() principal: Principal, @Body() body: RequestSnapshotDto) {
    return this.snapshots.request(principal, body);
  }

  @Get('snapshots')
  @Roles('viewer', 'agent', 'manager', 'admin')
  listSnapshots(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.snapshots.list(principal, query);
  }

  @Get('snapshots/:id')
  @Roles('viewer', 'agent', 'manager', 'admin')
  snapshot(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SnapshotId) id: string,
    @Query() query: PageQuery,
  ) {
    return this.snapshots.get(principal, id, query);
  }

  /** A customer's overdue state (nightly) and live buckets. */
  @Get('customers/:customerId')
  @Roles('viewer', 'agent', 'manager', 'admin')
  customer(
    @CurrentPrincipal() principal: Principal,
    @Param('customerId', CustomerId) customerId: string,
    @Query() query: AgingAsOfQuery,
  ) {
    return this.aging.customer(principal, customerId, query);
  }
}
