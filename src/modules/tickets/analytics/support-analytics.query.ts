import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  ANALYTICS_GROUP_BYS,
  ANALYTICS_INTERVALS,
  AnalyticsGroupBy,
  AnalyticsInterval,
} from './analytics-range';

/** GET /v1/support/analytics; `from` and `to` are checked (format, order, span) by resolveRange. */
export class SupportAnalyticsQuery {
  @ApiPropertyOptional({
    description:
      'start (inclusive): an ISO 8601 date (UTC midnight) or date-time with offset; default to − 30 days',
    example: '2026-03-02T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'end (exclusive); default now; at most 366 days after from' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ enum: ANALYTICS_GROUP_BYS, description: 'agent groups by assignee' })
  @IsOptional()
  @IsIn(ANALYTICS_GROUP_BYS, { message: `group_by must be one of ${ANALYTICS_GROUP_BYS.join(', ')}` })
  group_by?: AnalyticsGroupBy;

  @ApiPropertyOptional({ enum: ANALYTICS_INTERVALS, description: 'buckets of 24 h or 7 days from `from`' })
  @IsOptional()
  @IsIn(ANALYTICS_INTERVALS, { message: `interval must be one of ${ANALYTICS_INTERVALS.join(', ')}` })
  interval?: AnalyticsInterval;
}
