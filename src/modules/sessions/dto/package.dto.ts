import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { normaliseServices, SERVICE_PATTERN } from '../../maintenance/maintenance.service';
import type { PackageRow } from '../packages/packages.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** At most a year: a longer "session" is a subscription, not a package. */
const MAX_DURATION_SECONDS = 366 * 24 * 3600;

/** A package as an admin defines it; PUT replaces every field. */
export class PackageDto {
  @ApiProperty({ example: 'Daily 1 GB', maxLength: 80 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty({ minimum: 1, description: 'Integer minor units of currency' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  price_minor!: number;

  @ApiProperty({ example: 'KES' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in upper case' })
  currency!: string;

  @ApiProperty({ minimum: 60, maximum: MAX_DURATION_SECONDS, example: 86_400 })
  @IsInt()
  @Min(60)
  @Max(MAX_DURATION_SECONDS)
  duration_seconds!: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Bytes in + out after which the session ends' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  data_cap_bytes?: number;

  @ApiPropertyOptional({
    example: '10M/2M',
    description: 'Download/upload rate the access controller applies',
  })
  @IsOptional()
  @Matches(/^\d{1,6}[kKmMgG]?\/\d{1,6}[kKmMgG]?$/, {
    message: 'speed_profile must be download/upload, e.g. 10M/2M or 512k/256k',
  })
  speed_profile?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['wifi-cbd'],
    description: 'Services it covers (maintenance)',
  })
  @IsOptional()
  @Transform(normaliseServices)
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(SERVICE_PATTERN, {
    each: true,
    message: 'each service is a name of letters, digits, ".", "_" or "-"',
  })
  services?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ListPackagesQuery {
  @ApiPropertyOptional({ description: 'true: only packages on sale' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

const iso = (at: Date): string => new Date(at).toISOString();

export function packageView(row: PackageRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price_minor: Number(row.price_minor),
    currency: row.currency.trim(),
    duration_seconds: row.duration_seconds,
    data_cap_bytes: row.data_cap_bytes === null ? null : Number(row.data_cap_bytes),
    speed_profile: row.speed_profile,
    services: row.services,
    active: row.active,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
export type PackageView = ReturnType<typeof packageView>;
