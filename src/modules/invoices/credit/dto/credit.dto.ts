import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../../../platform/http/pagination';
import { BREACH_SEVERITIES } from '../credit-rules';
import type { AdjustmentRow, BreachRow } from '../credit.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const ADJUSTMENT_TYPES = ['increase', 'decrease'] as const;
export const ADJUSTMENT_STATUSES = ['pending', 'approved', 'rejected'] as const;

export class RequestAdjustmentDto {
  @ApiProperty({ enum: ADJUSTMENT_TYPES })
  @IsIn(ADJUSTMENT_TYPES)
  adjustment_type!: (typeof ADJUSTMENT_TYPES)[number];

  @ApiProperty({ minimum: 1, description: "minor units of the customer's currency" })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount_minor!: number;

  @ApiProperty({ maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ApproveAdjustmentDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason?: string;
}

export class RejectAdjustmentDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ListAdjustmentsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() customer_id?: string;

  @ApiPropertyOptional({ enum: ADJUSTMENT_STATUSES })
  @IsOptional()
  @IsIn(ADJUSTMENT_STATUSES)
  status?: string;
}

/** The customer-scoped list takes its customer from the path. */
export class ListCustomerAdjustmentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ADJUSTMENT_STATUSES })
  @IsOptional()
  @IsIn(ADJUSTMENT_STATUSES)
  status?: string;
}

export class ListBreachesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() customer_id?: string;

  @ApiPropertyOptional({ enum: BREACH_SEVERITIES })
  @IsOptional()
  @IsIn(BREACH_SEVERITIES)
  severity?: string;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
const money = (value: string | null) => (value === null ? null : Number(value));

export function adjustmentResponse(row: AdjustmentRow) {
  return {
    id: row.id,
    customer_id: row.customer_id,
    adjustment_type: row.adjustment_type,
    amount_minor: Number(row.amount_minor),
    currency: row.currency.trim(),
    reason: row.reason,
    status: row.status,
    requested_by: row.requested_by,
    requested_at: iso(row.requested_at),
    decided_by: row.decided_by,
    decided_at: iso(row.decided_at),
    decision_reason: row.decision_reason,
    limit_before_minor: money(row.limit_before_minor),
    limit_after_minor: money(row.limit_after_minor),
  };
}

export function breachResponse(row: BreachRow) {
  return {
    id: row.id,
    customer_id: row.customer_id,
    invoice_id: row.invoice_id,
    currency: row.currency.trim(),
    limit_minor: Number(row.limit_minor),
    exposure_minor: Number(row.exposure_minor),
    overage_minor: Number(row.overage_minor),
    severity: row.severity,
    override_used: row.override_used,
    override_reason: row.override_reason,
    refused: row.refused,
    actor_id: row.actor_id,
    occurred_at: iso(row.occurred_at),
  };
}
