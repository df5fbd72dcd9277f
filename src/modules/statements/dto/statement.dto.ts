import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import {
  DELIVERY_METHODS,
  STATEMENT_FORMATS,
  StatementDeliveryMethod,
  StatementFormat,
} from '../statement-period';

/**
 * POST /v1/customers/:id/statements. Shapes are checked here (400); whether the period can be a
 * statement's (period_months 1-24, from ≤ to, not ahead of today, at most 24 months) by the service (422).
 */
export class RequestStatementDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 24,
    description: 'months ending with the last full month (default 1); not with from/to',
  })
  @IsOptional()
  @IsInt({ message: 'period_months must be a whole number' })
  period_months?: number;

  @ApiPropertyOptional({ format: 'date', description: 'first day, YYYY-MM-DD (with to)' })
  @IsOptional()
  @IsString()
  @MaxLength(10, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'last day, YYYY-MM-DD (with from)' })
  @IsOptional()
  @IsString()
  @MaxLength(10, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ description: "ISO 4217; default the customer's currency", example: 'KES' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in upper case' })
  currency?: string;

  @ApiPropertyOptional({ enum: STATEMENT_FORMATS, default: 'pdf' })
  @IsOptional()
  @IsIn(STATEMENT_FORMATS, { message: `format must be one of ${STATEMENT_FORMATS.join(', ')}` })
  format?: StatementFormat;

  @ApiPropertyOptional({ enum: DELIVERY_METHODS, default: 'download' })
  @IsOptional()
  @IsIn(DELIVERY_METHODS, { message: `delivery_method must be one of ${DELIVERY_METHODS.join(', ')}` })
  delivery_method?: StatementDeliveryMethod;
}

/** POST /v1/statements/runs */
export class RequestStatementRunDto {
  @ApiPropertyOptional({
    description: 'the month, YYYY-MM (a full month before the current one)',
    example: '2026-10',
  })
  @IsString()
  @Matches(/^\d{4}-\d{2}$/, { message: 'period must be a month YYYY-MM' })
  period!: string;

  @ApiPropertyOptional({ enum: STATEMENT_FORMATS, default: 'pdf' })
  @IsOptional()
  @IsIn(STATEMENT_FORMATS, { message: `format must be one of ${STATEMENT_FORMATS.join(', ')}` })
  format?: StatementFormat;

  @ApiPropertyOptional({ enum: DELIVERY_METHODS, default: 'email' })
  @IsOptional()
  @IsIn(DELIVERY_METHODS, { message: `delivery_method must be one of ${DELIVERY_METHODS.join(', ')}` })
  delivery_method?: StatementDeliveryMethod;
}

export class ListStatementsQuery extends PageQuery {}
