import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_LIMIT, MAX_LIMIT, PageQuery } from '../../../platform/http/pagination';
import { JOURNEY_FLOWS, JourneyFlow } from '../journey.types';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `5m`, `1h`, `30s`, `250ms`, `2d` or a number of seconds. */
const DURATION_TEXT = /^\d+(\.\d+)?(ms|s|m|h|d)?$/;
const DURATION_MESSAGE = '$property is a duration like 30s, 5m, 1h, 2d or a number of seconds';
const DURATION_OR_TIME_MESSAGE =
  '$property is a duration back from now (30m, 1h, 2d) or an ISO 8601 time with an offset';

export class JourneyTimelineQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOURNEY_FLOWS })
  @IsOptional()
  @IsIn(JOURNEY_FLOWS)
  flow?: JourneyFlow;
}

export class StuckJourneysQuery {
  @ApiPropertyOptional({ enum: JOURNEY_FLOWS })
  @IsOptional()
  @IsIn(JOURNEY_FLOWS)
  flow?: JourneyFlow;

  @ApiPropertyOptional({
    description: "Age of the last event (5m, 1h, or seconds); each stage's normal maximum time when absent",
    example: '5m',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(DURATION_TEXT, { message: DURATION_MESSAGE })
  older_than?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;
}

/** `since` and `flow`: the window and flow of the errors and performance questions. */
class JourneyWindowQuery {
  @ApiPropertyOptional({
    description: 'A duration back from now (1h) or an ISO 8601 time with an offset; 1h when absent',
    example: '1h',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(40, { message: DURATION_OR_TIME_MESSAGE })
  since?: string;

  @ApiPropertyOptional({ enum: JOURNEY_FLOWS })
  @IsOptional()
  @IsIn(JOURNEY_FLOWS)
  flow?: JourneyFlow;
}

export class JourneyErrorsQuery extends JourneyWindowQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;
}

export class JourneyPerformanceQuery extends JourneyWindowQuery {
  @ApiPropertyOptional({
    description: 'Width of a time bin (5m, 1h, or seconds); 5m when absent',
    example: '5m',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(DURATION_TEXT, { message: DURATION_MESSAGE })
  bin?: string;
}

export class ResponseTemplateDto {
  @ApiProperty({ maxLength: 2000, description: 'The customer-facing text for this error class' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  text!: string;
}
