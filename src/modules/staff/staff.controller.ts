import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { StaffQuery, UpsertStaffDto } from './dto/staff.dto';
import { StaffService } from './staff.service';

const USER_ID = /^[\w.:@-]{1,128}$/;

@ApiTags('staff')
@ApiBearerAuth()
@Controller('staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: StaffQuery) {
    return this.staff.list(principal, query);
  }

  /** Add or update a staff member (by the user id their tokens carry as `sub`). */
  @Put(':userId')
  @Roles('admin')
  upsert(
    @CurrentPrincipal() principal: Principal,
    @Param('userId') userId: string,
    @Body() body: UpsertStaffDto,
  ) {
    if (!USER_ID.test(userId)) throw DomainException.notFound('Staff member');
    return this.staff.upsert(principal, userId, body);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Roles('admin')
  async remove(@CurrentPrincipal() principal: Principal, @Param('userId') userId: string): Promise<void> {
    if (!USER_ID.test(userId)) throw DomainException.notFound('Staff member');
    await this.staff.remove(principal, userId);
  }
}
