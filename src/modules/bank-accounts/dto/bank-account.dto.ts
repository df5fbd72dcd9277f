import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { ACCOUNT_TYPES, type AccountType } from '../bank-account-validation';

/**
 * POST /v1/customers/:id/bank-accounts. Only the request's shape is checked here (400): the fields
 * exist with the right JSON types and sane lengths, and either routing_number + account_number or an
 * iban is given. Whether their content is a valid account (blank values, digits, ABA checksum, IBAN
 * mod-97) is the worker's validation stage, so that it shows in the customer's journey as
 * `validation_failed` with the failed checks and missing fields (seed 000).
 */
export class CreateBankAccountDto {
  @ApiProperty({ example: 'Amina Otieno' })
  @IsString({ message: 'account_holder_name must be a string' })
  @MaxLength(200)
  account_holder_name!: string;

  @ApiProperty({ enum: ACCOUNT_TYPES })
  @IsIn(ACCOUNT_TYPES, { message: `account_type must be one of ${ACCOUNT_TYPES.join(', ')}` })
  account_type!: AccountType;

  @ApiPropertyOptional({ description: 'US ABA routing number, 9 digits (with account_number)' })
  @ValidateIf((o: CreateBankAccountDto) => o.iban === undefined || o.routing_number !== undefined)
  @IsString({ message: 'routing_number must be a string (or give an iban)' })
  @MaxLength(34)
  routing_number?: string;

  @ApiPropertyOptional({ description: '4 to 17 digits (with routing_number)' })
  @ValidateIf((o: CreateBankAccountDto) => o.iban === undefined || o.account_number !== undefined)
  @IsString({ message: 'account_number must be a string (or give an iban)' })
  @MaxLength(34)
  account_number?: string;

  @ApiPropertyOptional({ description: 'ISO 13616 IBAN, instead of routing_number and account_number' })
  @IsOptional()
  @IsString({ message: 'iban must be a string' })
  @MaxLength(42)
  iban?: string;
}
