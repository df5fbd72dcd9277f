import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { DomainException } from '../../../platform/http/domain-exception';
import { PutCalendarDto, PutEscalationRulesDto, PutSlaPoliciesDto } from './dto/sla-config.dto';
import { SlaConfigService } from './sla-config.service';

function calendarName(name: string): string {
  if (!/^[\w .:-]{1,100}$/.test(name)) {
    throw new DomainException('invalid_input', 'validation-failed', 'Invalid calendar name', [
      { field: 'name', message: '1-100 letters, digits, spaces, _ . : or -' },
    ]);
  }
  return name;
}

/** SLA policies, business calendars and escalation rules: read by staff, changed by admins. */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class SlaConfigController {
  constructor(private readonly config: SlaConfigService) {}

  @Get('sla/policies')
  @Roles('viewer', 'agent', 'manager', 'admin')
  policies(@CurrentPrincipal() principal: Principal) {
    return this.config.policies(principal);
  }

  @Put('sla/policies')
  @Roles('admin')
  putPolicies(@CurrentPrincipal() principal: Principal, @Body() body: PutSlaPoliciesDto) {
    return this.config.putPolicies(principal, body);
  }

  @Get('sla/calendars')
  @Roles('viewer', 'agent', 'manager', 'admin')
  calendars(@CurrentPrincipal() principal: Principal) {
    return this.config.calendars(principal);
  }

  @Put('sla/calendars/:name')
  @Roles('admin')
  putCalendar(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: PutCalendarDto,
  ) {
    return this.config.putCalendar(principal, calendarName(name), body);
  }

  @Get('escalation-rules')
  @Roles('viewer', 'agent', 'manager', 'admin')
  rules(@CurrentPrincipal() principal: Principal) {
    return this.config.rules(principal);
  }

  @Put('escalation-rules')
  @Roles('admin')
  putRules(@CurrentPrincipal() principal: Principal, @Body() body: PutEscalationRulesDto) {
    return this.config.putRules(principal, body);
  }
}
