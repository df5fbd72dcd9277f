import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_CHURN_DAYS, MAX_CHURN_DAYS, REPORT_INTERVALS, ReportInterval } from './report-period';

/**
 * GET /v1/reports/sessions. Shapes are checked here (400); whether `from` and `to` are instants in
 * order, and the bucket count, by resolveReportRange (400 too).
 */
export class SessionReportQuery {
  @ApiPropertyOptional({
    description:
      'start (inclusive): an ISO 8601 date (UTC midnight) or date-time with offset; default to − 7 days',
    example: '2026-03-02',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'end (exclusive), same formats; default now', example: '2026-03-09' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({
    enum: REPORT_INTERVALS,
    default: 'day',
    description: 'bucket: UTC hour, day, ISO week (from Monday) or calendar month; at most 1000 buckets',
  })
  @IsOptional()
  @IsIn(REPORT_INTERVALS, { message: `interval must be one of ${REPORT_INTERVALS.join(', ')}` })
  interval?: ReportInterval;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_CHURN_DAYS,
    default: DEFAULT_CHURN_DAYS,
    description: 'churn window: customers active before to − churn_days and not since are churned',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'churn_days must be a whole number of days' })
  @Min(1)
  @Max(MAX_CHURN_DAYS)
  churn_days?: number;
}
