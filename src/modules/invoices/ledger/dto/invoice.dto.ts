import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { PageQuery } from '../../../../platform/http/pagination';
import {
  formatQuantity,
  INVOICE_STATUSES,
  isCalendarDate,
  MAX_TAX_RATE_BP,
  parseQuantityMilli,
} from '../invoice-totals';
import type { AllocationRow, InvoiceLineRow, InvoiceRow } from '../invoices.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A calendar date `YYYY-MM-DD` (the company's books; no time, no offset). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date YYYY-MM-DD', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isCalendarDate(value) },
    });
}

/** A positive quantity, as a decimal string or a number, with at most three decimals. */
function IsQuantity(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isQuantity',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be a positive number with at most 3 decimals (up to 999999999.999)',
        ...options,
      },
      validator: {
        validate: (value: unknown) => {
          const milli = parseQuantityMilli(value);
          return milli !== undefined && milli > 0n;
        },
      },
    });
}

/** Money in the API: an integer of minor units that JSON carries exactly. */
const MinorUnits = (min: number) => (target: object, property: string | symbol) => {
  IsInt()(target, property);
  Min(min)(target, property);
  Max(Number.MAX_SAFE_INTEGER)(target, property);
};

/** ISO 4217, upper case as the standard writes it (`KES`, not `kes` or `KSH`). */
const Currency = () => (target: object, property: string | symbol) => {
  Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code in upper case' })(target, property);
  IsISO4217CurrencyCode()(target, property);
};

export class InvoiceLineDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  description!: string;

  @ApiProperty({
    oneOf: [
      { type: 'string', example: '2.5' },
      { type: 'number', example: 2.5 },
    ],
    description: 'positive, at most 3 decimals; a string keeps it exact',
  })
  @IsQuantity()
  quantity!: string | number;

  @ApiProperty({ description: 'minor units of the invoice currency', minimum: 0 })
  @MinorUnits(0)
  unit_price_minor!: number;

  @ApiPropertyOptional({
    description: 'basis points: 1600 = 16 %',
    minimum: 0,
    maximum: MAX_TAX_RATE_BP,
    default: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_TAX_RATE_BP)
  tax_rate_bp?: number;
}

class InvoiceTermsDto {
  @ApiPropertyOptional({ format: 'date', description: 'default: today' })
  @IsOptional()
  @IsCalendarDate()
  issue_date?: string;

  @ApiPropertyOptional({ format: 'date', description: 'give due_date or payment_terms_days, not both' })
  @IsOptional()
  @IsCalendarDate()
  due_date?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 3650, description: 'due_date = issue_date + these days' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  payment_terms_days?: number;
}

export class CreateInvoiceDto extends InvoiceTermsDto {
  @ApiProperty() @IsUUID() customer_id!: string;

  @ApiPropertyOptional({ description: "ISO 4217; must be the customer's currency (the default)" })
  @IsOptional()
  @Currency()
  currency?: string;

  @ApiProperty({ type: [InvoiceLineDto], minItems: 1, maxItems: 200 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => InvoiceLineDto)
  lines!: InvoiceLineDto[];
}

/** Drafts only; lines, when given, replace all of them. */
export class UpdateInvoiceDto extends InvoiceTermsDto {
  @ApiPropertyOptional({ type: [InvoiceLineDto], minItems: 1, maxItems: 200 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => InvoiceLineDto)
  lines?: InvoiceLineDto[];
}

export class IssueInvoiceDto {
  @ApiPropertyOptional({ description: 'managers and admins: issue even though it breaches the credit limit' })
  @IsOptional()
  @IsBoolean()
  override?: boolean;

  @ApiPropertyOptional({ maxLength: 500, description: 'required with override' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  override_reason?: string;
}

export class VoidInvoiceDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class AllocateDto {
  @ApiProperty({ minimum: 1, description: 'minor units; at most the balance' })
  @MinorUnits(1)
  amount_minor!: number;

  @ApiProperty({ description: "ISO 4217; must be the invoice's currency" })
  @Currency()
  currency!: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'default: today; not before the issue date, not ahead',
  })
  @IsOptional()
  @IsCalendarDate()
  allocated_on?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ListInvoicesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() customer_id?: string;

  @ApiPropertyOptional({ enum: INVOICE_STATUSES })
  @IsOptional()
  @IsIn(INVOICE_STATUSES)
  status?: string;

  @ApiPropertyOptional({ format: 'date', description: 'due on or after' })
  @IsOptional()
  @IsCalendarDate()
  due_from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'due on or before' })
  @IsOptional()
  @IsCalendarDate()
  due_to?: string;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
const money = (value: string) => Number(value);

export function lineResponse(row: InvoiceLineRow) {
  return {
    position: row.position,
    description: row.description,
    quantity: formatQuantity(BigInt(row.quantity_milli)),
    quantity_milli: money(row.quantity_milli),
    unit_price_minor: money(row.unit_price_minor),
    tax_rate_bp: row.tax_rate_bp,
    subtotal_minor: money(row.subtotal_minor),
    tax_minor: money(row.tax_minor),
    total_minor: money(row.total_minor),
  };
}

export function allocationResponse(row: AllocationRow) {
  return {
    id: row.id,
    invoice_id: row.invoice_id,
    amount_minor: money(row.amount_minor),
    currency: row.currency,
    allocated_on: row.allocated_on,
    source: row.source,
    payment_id: row.payment_id,
    note: row.note,
    created_by: row.created_by,
    created_at: iso(row.created_at),
  };
}

export function invoiceResponse(row: InvoiceRow, lines?: InvoiceLineRow[]) {
  return {
    id: row.id,
    invoice_number: row.invoice_number,
    customer_id: row.customer_id,
    currency: row.currency,
    status: row.status,
    issue_date: row.issue_date,
    due_date: row.due_date,
    payment_terms_days: row.payment_terms_days,
    subtotal_minor: money(row.subtotal_minor),
    tax_minor: money(row.tax_minor),
    total_minor: money(row.total_minor),
    allocated_minor: money(row.allocated_minor),
    balance_minor: money(row.balance_minor),
    issued_at: iso(row.issued_at),
    voided_at: iso(row.voided_at),
    void_reason: row.void_reason,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    ...(lines ? { lines: lines.map(lineResponse) } : {}),
  };
}
