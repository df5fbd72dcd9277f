import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import { MSISDN } from '../../../platform/http/validators';
import {
  RADIUS_TERMINATE_CAUSES,
  RadiusTerminateCause,
  SESSION_STATUSES,
  SessionStatus,
} from '../session-types';
import type { SessionRow } from '../sessions.repository';

/** Buy a package (a payment is opened) or redeem a voucher (the session starts at once): one of the two. */
export class CreateSessionDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for staff; a customer token buys for itself',
  })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The package to buy (not with voucher_code)' })
  @ValidateIf((o: CreateSessionDto) => o.voucher_code === undefined || o.package_id !== undefined)
  @IsUUID()
  package_id?: string;

  @ApiPropertyOptional({
    example: 'K7QM-2XRT-9VHC-4NPB',
    description: 'A prepaid voucher (not with package_id)',
  })
  @ValidateIf((o: CreateSessionDto) => o.package_id === undefined || o.voucher_code !== undefined)
  @IsString()
  @MaxLength(40)
  voucher_code?: string;

  @ApiPropertyOptional({ enum: ['mobile_money'], default: 'mobile_money' })
  @IsOptional()
  @IsIn(['mobile_money'])
  method?: 'mobile_money';

  @ApiPropertyOptional({ example: '+254700000001', description: 'The phone the payment prompt goes to' })
  @ValidateIf((o: CreateSessionDto) => o.package_id !== undefined || o.phone !== undefined)
  @Matches(MSISDN, { message: 'phone must be in international format (+254700000001)' })
  phone?: string;
}

export class TerminateSessionDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Why (kept with the session, for support)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ListSessionsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ enum: SESSION_STATUSES })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  status?: SessionStatus;
}

const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** One accounting report: counters are cumulative for the session, `sequence` grows with each report. */
export class UsageReportDto {
  @ApiProperty({ minimum: 0, description: 'Grows by at least one with each report of the session' })
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  sequence!: number;

  @ApiProperty({
    minimum: 0,
    description: 'Bytes from the customer since the session started (Acct-Input-Octets)',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytes_in!: number;

  @ApiProperty({
    minimum: 0,
    description: 'Bytes to the customer since the session started (Acct-Output-Octets)',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_BYTES)
  bytes_out!: number;

  @ApiPropertyOptional({ enum: ['start', 'interim', 'stop'], default: 'interim' })
  @IsOptional()
  @IsIn(['start', 'interim', 'stop'])
  status_type?: 'start' | 'interim' | 'stop';

  @ApiPropertyOptional({ enum: RADIUS_TERMINATE_CAUSES, description: 'Required with status_type stop' })
  @ValidateIf((o: UsageReportDto) => o.status_type === 'stop' || o.terminate_cause !== undefined)
  @IsIn(RADIUS_TERMINATE_CAUSES, { message: 'terminate_cause must be an RFC 2866 Acct-Terminate-Cause name' })
  terminate_cause?: RadiusTerminateCause;
}

export class BatchUsageReportDto extends UsageReportDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  session_id!: string;
}

export const MAX_USAGE_BATCH = 1000;

export class UsageBatchDto {
  @ApiProperty({ type: [BatchUsageReportDto], minItems: 1, maxItems: MAX_USAGE_BATCH })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_USAGE_BATCH)
  @ValidateNested({ each: true })
  @Type(() => BatchUsageReportDto)
  reports!: BatchUsageReportDto[];
}

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);
const bytes = (value: string | null): number | null => (value === null ? null : Number(value));

export function sessionView(row: SessionRow) {
  const used = Number(row.bytes_in) + Number(row.bytes_out);
  const cap = bytes(row.data_cap_bytes);
  return {
    id: row.id,
    customer_id: row.customer_id,
    package_id: row.package_id,
    package_name: row.package_name,
    source: row.source,
    status: row.status,
    price_minor: Number(row.price_minor),
    currency: row.currency.trim(),
    duration_seconds: row.duration_seconds,
    data_cap_bytes: cap,
    speed_profile: row.speed_profile,
    services: row.services,
    payment_id: row.payment_id,
    voucher_id: row.voucher_id,
    payment_error_code: row.payment_error_code,
    started_at: iso(row.started_at),
    expires_at: iso(row.expires_at),
    ended_at: iso(row.ended_at),
    termination_reason: row.termination_reason,
    terminate_cause: row.terminate_cause,
    terminated_by: row.terminated_by,
    usage: {
      bytes_in: Number(row.bytes_in),
      bytes_out: Number(row.bytes_out),
      bytes_total: used,
      remaining_bytes: cap === null ? null : Math.max(0, cap - used),
      sequence: Number(row.usage_seq) < 0 ? null : Number(row.usage_seq),
      last_report_at: iso(row.last_usage_at),
    },
    trace_id: row.trace_id,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
export type SessionView = ReturnType<typeof sessionView>;
