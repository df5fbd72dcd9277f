import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../../../../platform/http/pagination';
import { AGING_BASES, AgingBasis } from '../aging-definitions';

const basisMessage = `basis must be one of ${AGING_BASES.join(', ')}`;

/** `as_of` is checked (a real calendar date) by the service; the DTO only bounds it. */
export class AgingAsOfQuery {
  @ApiPropertyOptional({
    description: 'the date aged as of, YYYY-MM-DD (UTC calendar day); default today',
    example: '2026-11-23',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10, { message: 'as_of must be a date YYYY-MM-DD' })
  as_of?: string;

  @ApiPropertyOptional({
    enum: AGING_BASES,
    default: 'due_date',
    description: 'due_date: days past due; issue_date: days since issue',
  })
  @IsOptional()
  @IsIn(AGING_BASES, { message: basisMessage })
  basis?: AgingBasis;
}

/** GET /v1/aging */
export class AgingReportQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'the date aged as of, YYYY-MM-DD (UTC calendar day); default today' })
  @IsOptional()
  @IsString()
  @MaxLength(10, { message: 'as_of must be a date YYYY-MM-DD' })
  as_of?: string;

  @ApiPropertyOptional({ enum: AGING_BASES, default: 'due_date' })
  @IsOptional()
  @IsIn(AGING_BASES, { message: basisMessage })
  basis?: AgingBasis;

  @ApiPropertyOptional({ description: "one customer's receivables only (totals are then the customer's)" })
  @IsOptional()
  @IsUUID('all', { message: 'customer_id must be a uuid' })
  customer_id?: string;
}

/** POST /v1/aging/snapshots */
export class RequestSnapshotDto {
  @ApiPropertyOptional({ description: 'YYYY-MM-DD; default today', example: '2026-11-23' })
  @IsOptional()
  @IsString()
  @MaxLength(10, { message: 'as_of must be a date YYYY-MM-DD' })
  as_of?: string;

  @ApiPropertyOptional({ enum: AGING_BASES, default: 'due_date' })
  @IsOptional()
  @IsIn(AGING_BASES, { message: basisMessage })
  basis?: AgingBasis;
}
