import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

export class ConfirmResolutionDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: 'satisfaction with the resolution' })
  @IsInt()
  @Min(1)
  @Max(5)
  rating!: number;

  @ApiPropertyOptional({ maxLength: 5000 }) @IsOptional() @IsString() @MaxLength(5000) feedback?: string;
}

export class ConfirmationTokenDto {
  @ApiProperty({ description: 'the token of the emailed link' })
  @IsString()
  @MaxLength(2000)
  token!: string;
}

/** What a confirmation link answers: confirm with a rating, or reopen. */
export class RespondToResolutionDto extends ConfirmationTokenDto {
  @ApiProperty({ enum: ['confirm', 'reopen'] }) @IsIn(['confirm', 'reopen']) action!: 'confirm' | 'reopen';

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'required to confirm' })
  @ValidateIf((body: RespondToResolutionDto) => body.action === 'confirm')
  @IsInt()
  @Min(1)
  @Max(5)
  rating?: number;

  @ApiPropertyOptional({ maxLength: 5000 }) @IsOptional() @IsString() @MaxLength(5000) feedback?: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'why it is not resolved (reopen)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
