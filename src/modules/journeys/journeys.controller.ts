import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { uuidOr404 } from '../../platform/http/params';
import {
  JourneyErrorsQuery,
  JourneyPerformanceQuery,
  JourneyTimelineQuery,
  ResponseTemplateDto,
  StuckJourneysQuery,
} from './dto/journeys.dto';
import { JourneysService } from './journeys.service';

const STAFF = ['viewer', 'agent', 'manager', 'admin'] as const;

/** "Where is this customer stuck, and why": one customer's timeline (issue 9, seed 000). */
@ApiTags('journeys')
@ApiBearerAuth()
@Controller('customers/:id/journey')
export class CustomerJourneyController {
  constructor(private readonly journeys: JourneysService) {}

  @Get()
  @Roles(...STAFF)
  timeline(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidOr404('Customer')) id: string,
    @Query() query: JourneyTimelineQuery,
  ) {
    return this.journeys.timeline(principal, id, query);
  }
}

/** Across customers: who is stuck, who had errors, how fast the stages run; and the response texts. */
@ApiTags('journeys')
@ApiBearerAuth()
@Controller('journeys')
export class JourneysController {
  constructor(private readonly journeys: JourneysService) {}

  @Get('stuck')
  @Roles(...STAFF)
  stuck(@CurrentPrincipal() principal: Principal, @Query() query: StuckJourneysQuery) {
    return this.journeys.stuck(principal, query);
  }

  @Get('errors')
  @Roles(...STAFF)
  errors(@CurrentPrincipal() principal: Principal, @Query() query: JourneyErrorsQuery) {
    return this.journeys.errors(principal, query);
  }

  @Get('performance')
  @Roles(...STAFF)
  performance(@CurrentPrincipal() principal: Principal, @Query() query: JourneyPerformanceQuery) {
    return this.journeys.performance(principal, query);
  }

  @Get('response-templates')
  @Roles(...STAFF)
  responseTemplates(@CurrentPrincipal() principal: Principal) {
    return this.journeys.responseTemplates(principal);
  }

  @Put('response-templates/:error_type')
  @Roles('admin')
  setResponseTemplate(
    @CurrentPrincipal() principal: Principal,
    @Param('error_type') errorType: string,
    @Body() body: ResponseTemplateDto,
  ) {
    return this.journeys.setResponseTemplate(principal, errorType, body.text);
  }

  /** Back to seed 000's text. */
  @Delete('response-templates/:error_type')
  @HttpCode(204)
  @Roles('admin')
  async resetResponseTemplate(
    @CurrentPrincipal() principal: Principal,
    @Param('error_type') errorType: string,
  ) {
    await this.journeys.resetResponseTemplate(principal, errorType);
  }
}
