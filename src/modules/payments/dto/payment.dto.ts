import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import { MSISDN } from '../../../platform/http/validators';
import {
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  PaymentMethod,
  PaymentRow,
  PaymentStatus,
} from '../payments.repository';

export class CreatePaymentDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for staff; a customer token pays for itself',
  })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiProperty({ minimum: 1, description: 'Integer minor units, at most the invoice balance' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount_minor!: number;

  @ApiProperty({ example: 'KES', description: "ISO 4217, upper case; the invoice's currency" })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in upper case' })
  currency!: string;

  @ApiProperty({ enum: PAYMENT_METHODS })
  @IsIn(PAYMENT_METHODS)
  method!: PaymentMethod;

  @ApiProperty({ enum: ['invoice', 'package'] })
  @IsIn(['invoice', 'package'])
  purpose_type!: 'invoice' | 'package';

  @ApiProperty({ format: 'uuid', description: 'The invoice (or package) paid for' })
  @IsUUID()
  purpose_id!: string;

  @ApiPropertyOptional({ example: '+254700000001', description: 'mobile_money: the phone to push to' })
  @ValidateIf((o: CreatePaymentDto) => o.method === 'mobile_money' || o.phone !== undefined)
  @Matches(MSISDN, { message: 'phone must be in international format (+254700000001)' })
  phone?: string;
}

export class ListPaymentsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;
}

/** The phone is PII: answers show its last three digits only. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  return `${'*'.repeat(Math.max(0, phone.length - 3))}${phone.slice(-3)}`;
}

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);

export function paymentView(row: PaymentRow) {
  return {
    id: row.id,
    customer_id: row.customer_id,
    amount_minor: Number(row.amount_minor),
    currency: row.currency.trim(),
    method: row.method,
    purpose_type: row.purpose_type,
    purpose_id: row.purpose_id,
    phone_masked: maskPhone(row.phone),
    status: row.status,
    error_code: row.error_code,
    error_class: row.error_class,
    error_message: row.error_message,
    provider: row.provider,
    gateway_reference: row.gateway_reference,
    provider_reference: row.provider_reference,
    attempts: row.attempts,
    trace_id: row.trace_id,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: iso(row.completed_at),
  };
}
export type PaymentView = ReturnType<typeof paymentView>;
