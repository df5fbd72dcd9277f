import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { FieldError } from '../../../../platform/http/domain-exception';
import type { VoucherBatchRow, VoucherBatchWithCounts } from '../vouchers.repository';

export const MAX_BATCH_SIZE = 10_000;
export const MAX_VALID_DAYS = 730;
/** Neither expires_at nor valid_days: a voucher is good for this many days (a quarter). */
export const DEFAULT_VALID_DAYS = 90;
const DAY_MS = 24 * 3600 * 1000;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** An offset is required: an expiry without one means different instants to different readers. */
const WITH_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * A batch of prepaid codes for one package. The expiry is either an instant (`expires_at`) or a
 * number of days from now (`valid_days`), not both; with neither, vouchers are good for 90 days.
 */
export class CreateVoucherBatchDto {
  @ApiProperty({ format: 'uuid', description: 'The package every voucher of the batch activates' })
  @IsUUID('all', { message: 'package_id must be a uuid' })
  package_id!: string;

  @ApiProperty({ minimum: 1, maximum: MAX_BATCH_SIZE, description: 'How many codes to make' })
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  count!: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the unused vouchers expire: in the future, at most 2 years ahead; not with valid_days',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO 8601 time' })
  @Matches(WITH_OFFSET, { message: 'expires_at needs an offset (e.g. 2026-11-25T23:59:59+03:00 or …Z)' })
  expires_at?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_VALID_DAYS,
    description: `Days from now until the unused vouchers expire (${DEFAULT_VALID_DAYS} when neither this nor expires_at is given)`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALID_DAYS)
  valid_days?: number;

  @ApiPropertyOptional({ maxLength: 200, description: 'What the batch is for (a shop, a promotion)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  note?: string;
}

/**
 * When a batch's vouchers expire, or what is wrong with the request's expiry. Bounded by `now`: an
 * expiry must be in the future and at most two years ahead (as far as valid_days may reach).
 */
export function batchExpiry(
  input: Pick<CreateVoucherBatchDto, 'expires_at' | 'valid_days'>,
  now: Date,
): { expiresAt: Date } | { errors: FieldError[] } {
  if (input.expires_at !== undefined && input.valid_days !== undefined) {
    const message = 'give expires_at or valid_days, not both';
    return {
      errors: [
        { field: 'expires_at', message },
        { field: 'valid_days', message },
      ],
    };
  }
  if (input.expires_at === undefined) {
    return { expiresAt: new Date(now.getTime() + (input.valid_days ?? DEFAULT_VALID_DAYS) * DAY_MS) };
  }
  const expiresAt = new Date(input.expires_at);
  if (expiresAt.getTime() <= now.getTime()) {
    return { errors: [{ field: 'expires_at', message: 'expires_at must be in the future' }] };
  }
  if (expiresAt.getTime() > now.getTime() + MAX_VALID_DAYS * DAY_MS) {
    return { errors: [{ field: 'expires_at', message: 'expires_at may be at most 2 years ahead' }] };
  }
  return { expiresAt };
}

const iso = (at: Date): string => new Date(at).toISOString();

/** A batch as the API shows it: never a code (they are shown once, when the batch is made). */
export function voucherBatchView(
  row: VoucherBatchRow,
  counts: { total: number; redeemed: number; expired: number },
) {
  return {
    id: row.id,
    package_id: row.package_id,
    voucher_count: row.voucher_count,
    expires_at: iso(row.expires_at),
    note: row.note,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    counts: {
      total: counts.total,
      redeemed: counts.redeemed,
      /** Unredeemed at their expiry. */
      expired: counts.expired,
      /** Still redeemable. */
      available: Math.max(0, counts.total - counts.redeemed - counts.expired),
    },
  };
}
export type VoucherBatchView = ReturnType<typeof voucherBatchView>;

export const voucherBatchWithCountsView = (row: VoucherBatchWithCounts): VoucherBatchView =>
  voucherBatchView(row, {
    total: Number(row.total),
    redeemed: Number(row.redeemed),
    expired: Number(row.expired),
  });
