import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { SupportAnalyticsQuery } from './support-analytics.query';
import { SupportAnalyticsService } from './support-analytics.service';

@ApiTags('support')
@ApiBearerAuth()
@Controller('support')
export class SupportAnalyticsController {
  constructor(private readonly analytics: SupportAnalyticsService) {}

  /** First response, resolution, CSAT, escalation, reopens and backlog, beside seed 004's targets. */
  @Get('analytics')
  @Roles('viewer', 'agent', 'manager', 'admin')
  report(@CurrentPrincipal() principal: Principal, @Query() query: SupportAnalyticsQuery) {
    return this.analytics.report(principal, query);
  }
}
