import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { ListRemindersQuery, PutReminderScheduleDto } from './dunning.dto';
import { DunningService } from './dunning.service';
import { uuidOr404 } from '../../../platform/http/params';

const InvoiceId = uuidOr404('Invoice');

/** Payment reminders: the company's schedule (staff read, admins change) and what an invoice was sent. */
@ApiTags('invoices')
@ApiBearerAuth()
@Controller('invoices')
export class DunningController {
  constructor(private readonly dunning: DunningService) {}

  @Get('reminder-schedule')
  @Roles('viewer', 'agent', 'manager', 'admin')
  schedule(@CurrentPrincipal() principal: Principal) {
    return this.dunning.schedule(principal);
  }

  @Put('reminder-schedule')
  @Roles('admin')
  putSchedule(@CurrentPrincipal() principal: Principal, @Body() body: PutReminderScheduleDto) {
    return this.dunning.putSchedule(principal, body);
  }

  @Get(':id/reminders')
  @Roles('viewer', 'agent', 'manager', 'admin')
  reminders(
    @CurrentPrincipal() principal: Principal,
    @Param('id', InvoiceId) id: string,
    @Query() query: ListRemindersQuery,
  ) {
    return this.dunning.reminders(principal, id, query);
  }
}
