import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { SessionReportQuery } from './session-report.dto';
import { SessionReportsService } from './session-reports.service';

const DESCRIPTION = `Sessions, usage, payments, revenue, registrations and churn of the caller's company over
[from, to), per bucket (\`series\`) and in total. Buckets are UTC hours, days, ISO weeks (from Monday) or
calendar months; the first and last are clipped to the range.

- new_sessions: sessions started in the bucket; voucher_sessions: those started from a voucher.
- terminated_sessions: sessions ended in the bucket, however they ended (expiry included).
- active_sessions: sessions active at the bucket's end (started before it, not ended before it); in totals, at \`to\`.
- average_duration_seconds: mean of ended_at − started_at of the sessions ended in the bucket; null when none.
- data_bytes_in / data_bytes_out: the hourly usage rollup summed over the hours starting in the bucket.
- payments_succeeded / payments_failed: sessions paid / whose payment failed in the bucket;
  payment_success_rate = succeeded / (succeeded + failed), null when both are 0.
- revenue: price of the sessions paid in the bucket, per currency, in minor units.
- new_registrations: customers created in the bucket, deleted ones included.
- revenue_by_package: revenue of the range by package and currency, most first.
- terminations_by_reason: sessions ended in the range by reason, most first.
- churn: customers who started a session before to − churn_days (previously active) and none since (churned);
  churn_rate null when nobody was previously active.`;

/** The WiFi sessions report (issue 10, seed 003's KPIs). */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('reports/sessions')
export class SessionReportsController {
  constructor(private readonly reports: SessionReportsService) {}

  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin')
  @ApiOperation({ summary: 'WiFi sessions report', description: DESCRIPTION })
  report(@CurrentPrincipal() principal: Principal, @Query() query: SessionReportQuery) {
    return this.reports.report(principal.companyId, {
      from: query.from,
      to: query.to,
      interval: query.interval,
      churnDays: query.churn_days,
    });
  }
}
