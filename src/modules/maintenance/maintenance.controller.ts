import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, Roles } from '../../platform/auth/decorators';
import { JwtVerifier } from '../../platform/auth/jwt-verifier';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import {
  CancelMaintenanceDto,
  ListMaintenanceQuery,
  ScheduleMaintenanceDto,
  UpdateMaintenanceDto,
} from './dto/maintenance.dto';
import { MaintenanceService } from './maintenance.service';
import { uuidOr404 } from '../../platform/http/params';

const WindowId = uuidOr404('Maintenance window');

@ApiTags('maintenance')
@ApiBearerAuth()
@Controller('maintenance')
export class MaintenanceController {
  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly verifier: JwtVerifier,
  ) {}

  @Post()
  @Roles('admin')
  @Idempotent()
  schedule(@CurrentPrincipal() principal: Principal, @Body() body: ScheduleMaintenanceDto) {
    return this.maintenance.schedule(principal, body);
  }

  /**
   * Public: a company's current and upcoming windows. Without a token the caller names the company
   * (`company_id`); with one, the company is the token's (a different `company_id` is refused).
   */
  @Get()
  @Public()
  async list(
    @Headers('authorization') authorization: string | undefined,
    @Query() query: ListMaintenanceQuery,
  ) {
    return this.maintenance.listLive(await this.tenantOf(authorization, query.company_id), query);
  }

  @Get(':id')
  @Roles('viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', WindowId) id: string) {
    return this.maintenance.get(principal, id);
  }

  /** Move or edit a window: new times or services notify the customers already told. */
  @Patch(':id')
  @Roles('admin')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', WindowId) id: string,
    @Body() body: UpdateMaintenanceDto,
  ) {
    return this.maintenance.update(principal, id, body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('admin')
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', WindowId) id: string,
    @Body() body: CancelMaintenanceDto,
  ) {
    return this.maintenance.cancel(principal, id, body);
  }

  private async tenantOf(authorization: string | undefined, companyId: string | undefined): Promise<string> {
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw new DomainException('unauthorized', 'unauthorized', 'A bearer token is malformed');
      const principal = await this.verifier.verify(match[1]);
      if (companyId !== undefined && companyId.toLowerCase() !== principal.companyId) {
        throw new DomainException('invalid_input', 'validation-failed', 'company_id is not your company', [
          { field: 'company_id', message: "omit it, or give your token's company" },
        ]);
      }
      return principal.companyId;
    }
    if (companyId === undefined) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'Name the company whose maintenance to list',
        [{ field: 'company_id', message: 'company_id is required without a bearer token' }],
      );
    }
    return companyId.toLowerCase();
  }
}
