import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import type { WindowRow } from '../maintenance.repository';
import {
  MAINTENANCE_SEVERITIES,
  MaintenanceSeverity,
  normaliseServices,
  SERVICE_PATTERN,
} from '../maintenance-window';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** An offset is required: a maintenance time without one means different instants to different readers. */
const WITH_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

const Instant = (description: string, required: boolean) =>
  applyDecorators(
    required
      ? ApiProperty({ format: 'date-time', description })
      : ApiPropertyOptional({ format: 'date-time', description }),
    ...(required ? [] : [IsOptional()]),
    IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 time' }),
    Matches(WITH_OFFSET, { message: '$property needs an offset (e.g. 2026-11-25T02:00:00+03:00 or …Z)' }),
  );

const Services = (required: boolean) =>
  applyDecorators(
    required
      ? ApiProperty({ type: [String], minItems: 1, maxItems: 20, example: ['wifi'] })
      : ApiPropertyOptional({ type: [String], minItems: 1, maxItems: 20, example: ['wifi'] }),
    ...(required ? [] : [IsOptional()]),
    Transform(normaliseServices),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(20),
    Matches(SERVICE_PATTERN, {
      each: true,
      message:
        'each service is a name of letters, digits, ".", "_" or "-" (customers are tagged service:<name>)',
    }),
  );

const Severity = (required: boolean) =>
  applyDecorators(
    required
      ? ApiProperty({ enum: MAINTENANCE_SEVERITIES })
      : ApiPropertyOptional({ enum: MAINTENANCE_SEVERITIES }),
    ...(required ? [] : [IsOptional()]),
    IsIn(MAINTENANCE_SEVERITIES, { message: `severity must be one of ${MAINTENANCE_SEVERITIES.join(', ')}` }),
  );

const Message = (required: boolean) =>
  applyDecorators(
    required
      ? ApiProperty({ maxLength: 2000, description: 'what customers are told' })
      : ApiPropertyOptional({ maxLength: 2000, description: 'what customers are told' }),
    ...(required ? [] : [IsOptional()]),
    Transform(trim),
    IsString(),
    IsNotEmpty(),
    MaxLength(2000),
  );

export class ScheduleMaintenanceDto {
  @Instant('when the work starts', true) starts_at!: string;
  @Instant('when the work ends (after starts_at)', true) ends_at!: string;
  @Services(true) services!: string[];
  @Severity(true) severity!: MaintenanceSeverity;
  @Message(true) message!: string;
}

/** Move or edit a window; changing times or services notifies the customers already told again. */
export class UpdateMaintenanceDto {
  @Instant('when the work starts', false) starts_at?: string;
  @Instant('when the work ends (after starts_at)', false) ends_at?: string;
  @Services(false) services?: string[];
  @Severity(false) severity?: MaintenanceSeverity;
  @Message(false) message?: string;
}

export class CancelMaintenanceDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'told to the customers who had heard of the window' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class ListMaintenanceQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'the company whose windows to list; required without a token' })
  @IsOptional()
  @IsUUID('all', { message: 'company_id must be a uuid' })
  company_id?: string;
}

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);

/** What anyone may see of a window (the public list). */
export function publicWindowResponse(row: WindowRow) {
  return {
    id: row.id,
    status: row.status,
    starts_at: iso(row.starts_at),
    ends_at: iso(row.ends_at),
    services: row.services,
    severity: row.severity,
    message: row.message,
  };
}

/** The whole window, for the company's staff. */
export function windowResponse(row: WindowRow) {
  return {
    ...publicWindowResponse(row),
    version: row.version,
    announce_at: iso(row.announce_at),
    announced_at: iso(row.announced_at),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    cancelled_at: iso(row.cancelled_at),
    cancel_reason: row.cancel_reason,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
