import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { DIRECTORY_ROLES } from '../staff.service';
import { PHONE_PATTERN } from '../../../platform/http/validators';

export class UpsertStaffDto {
  @ApiProperty({ maxLength: 200 }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;

  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(254) email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be 7 to 15 digits, optionally with + and separators' })
  phone?: string;

  @ApiProperty({ enum: DIRECTORY_ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DIRECTORY_ROLES.length)
  @IsIn(DIRECTORY_ROLES, { each: true })
  roles!: string[];

  @ApiPropertyOptional({ example: 'billing' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/, { message: 'department must be 1-50 of a-z, 0-9, _ or -' })
  department?: string;
}

export class StaffQuery {
  @ApiPropertyOptional({ enum: DIRECTORY_ROLES }) @IsOptional() @IsIn(DIRECTORY_ROLES) role?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/) department?: string;
}
