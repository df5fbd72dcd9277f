import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FeedbackRow } from '../knowledge.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class SubmitFeedbackDto {
  @ApiProperty({ description: 'did the article help?' })
  @IsBoolean()
  helpful!: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt({ message: 'rating must be a whole number from 1 to 5' })
  @Min(1, { message: 'rating must be from 1 to 5' })
  @Max(5, { message: 'rating must be from 1 to 5' })
  rating?: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  comment?: string;

  @ApiPropertyOptional({
    description: 'the version the reader saw; feedback on a version no longer current is a 409',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  article_version?: number;
}

export function feedbackResponse(row: FeedbackRow) {
  return {
    id: row.id,
    article_id: row.article_id,
    article_version: row.article_version,
    user_id: row.user_id,
    customer_id: row.customer_id,
    helpful: row.helpful,
    rating: row.rating,
    comment: row.comment,
    created_at: new Date(row.created_at).toISOString(),
  };
}
