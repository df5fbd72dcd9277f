import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsSmallJson, PHONE_PATTERN } from '../../../platform/http/validators';
import type { BillingAddress, Customer, CustomerSource } from '../entities/customer.entity';
import { CUSTOMER_STATUSES } from '../entities/customer.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_:-]{0,49}$/;
export const EXTERNAL_ID_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?$/;

export class BillingAddressDto implements BillingAddress {
  @ApiProperty({ maxLength: 200 }) @IsString() @IsNotEmpty() @MaxLength(200) line1!: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) line2?: string;
  @ApiProperty({ maxLength: 100 }) @IsString() @IsNotEmpty() @MaxLength(100) city!: string;
  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiPropertyOptional({ maxLength: 20 }) @IsOptional() @IsString() @MaxLength(20) postal_code?: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2' }) @IsISO31661Alpha2() country!: string;
}

class CustomerFields {
  @ApiPropertyOptional({
    maxLength: 100,
    description: "The customer's id in your other systems; unique per company",
  })
  @IsOptional()
  @Transform(trim)
  @Matches(EXTERNAL_ID_PATTERN, { message: 'external_id must be 1-100 printable characters' })
  external_id?: string | null;

  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional()
  @Transform(trim)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ example: '+254 712 345678' })
  @IsOptional()
  @Transform(trim)
  @Matches(PHONE_PATTERN, { message: 'phone must be 7 to 15 digits, optionally with + and separators' })
  phone?: string | null;

  @ApiPropertyOptional({ type: BillingAddressDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BillingAddressDto)
  billing_address?: BillingAddressDto | null;

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(TAG_PATTERN, { each: true, message: 'each tag must be 1-50 of a-z, 0-9, _, : or -' })
  tags?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @IsSmallJson(8192)
  metadata?: Record<string, unknown>;
}

export class CreateCustomerDto extends CustomerFields {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'KES', description: 'ISO 4217' })
  @IsISO4217CurrencyCode()
  currency!: string;

  @ApiPropertyOptional({ enum: ['active', 'inactive'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'inactive'])
  status?: 'active' | 'inactive';

  @ApiPropertyOptional({
    enum: ['web_ui', 'api'],
    default: 'api',
    description: 'cli and import are set by those paths',
  })
  @IsOptional()
  @IsIn(['web_ui', 'api'])
  source?: Extract<CustomerSource, 'web_ui' | 'api'>;
}

export class UpdateCustomerDto extends CustomerFields {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'ISO 4217; refused once the customer has invoices' })
  @IsOptional()
  @IsISO4217CurrencyCode()
  currency?: string;
}

export class ChangeStatusDto {
  @ApiProperty({ enum: CUSTOMER_STATUSES })
  @IsIn(CUSTOMER_STATUSES)
  status!: (typeof CUSTOMER_STATUSES)[number];

  @ApiProperty({ maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class CustomerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'CUST-000001' }) customer_number!: string;
  @ApiProperty({ nullable: true }) external_id!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true }) email!: string | null;
  @ApiProperty({ nullable: true }) phone!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: BillingAddressDto, nullable: true }) billing_address!: BillingAddress | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ enum: CUSTOMER_STATUSES }) status!: string;
  @ApiProperty({ enum: ['web_ui', 'cli', 'api', 'import'] }) source!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) deleted_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) anonymized_at!: string | null;

  static from(customer: Customer): CustomerResponse {
    return {
      id: customer.id,
      customer_number: customer.customerNumber,
      external_id: customer.externalId,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
      currency: customer.currency,
      billing_address: customer.billingAddress,
      tags: customer.tags,
      metadata: customer.metadata,
      status: customer.status,
      source: customer.source,
      created_at: customer.createdAt.toISOString(),
      updated_at: customer.updatedAt.toISOString(),
      deleted_at: customer.deletedAt?.toISOString() ?? null,
      anonymized_at: customer.anonymizedAt?.toISOString() ?? null,
    };
  }
}

export class CustomerPage {
  @ApiProperty({ type: [CustomerResponse] }) data!: CustomerResponse[];
  @ApiProperty({ nullable: true }) next_cursor!: string | null;
}
