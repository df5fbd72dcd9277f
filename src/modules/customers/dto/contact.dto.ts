import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { CONTACT_TYPES, ContactType, CustomerContact } from '../entities/customer-contact.entity';
import { PHONE_PATTERN } from '../../../platform/http/validators';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateContactDto {
  @ApiProperty({ maxLength: 200 }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional()
  @Transform(trim)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @Matches(PHONE_PATTERN, { message: 'phone must be 7 to 15 digits, optionally with + and separators' })
  phone?: string;

  @ApiProperty({ enum: CONTACT_TYPES })
  @IsIn(CONTACT_TYPES)
  contact_type!: ContactType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  is_primary?: boolean;
}

export class ContactResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customer_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true }) email!: string | null;
  @ApiProperty({ nullable: true }) phone!: string | null;
  @ApiProperty({ enum: CONTACT_TYPES }) contact_type!: string;
  @ApiProperty() is_primary!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(contact: CustomerContact): ContactResponse {
    return {
      id: contact.id,
      customer_id: contact.customerId,
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
      contact_type: contact.contactType,
      is_primary: contact.isPrimary,
      created_at: contact.createdAt.toISOString(),
    };
  }
}
