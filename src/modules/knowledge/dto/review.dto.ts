import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import type { ReviewDetailRow } from '../knowledge.repository';
import { feedbackResponse } from './feedback.dto';

export const REVIEW_STATUSES = ['open', 'closed'] as const;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ListReviewsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REVIEW_STATUSES })
  @IsOptional()
  @IsIn(REVIEW_STATUSES)
  status?: (typeof REVIEW_STATUSES)[number];

  @ApiPropertyOptional() @IsOptional() @IsUUID() article_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[\w.:@-]{1,128}$/, { message: 'owner_id must be a user id' })
  owner_id?: string;
}

export class CloseReviewDto {
  @ApiProperty({ maxLength: 2000, description: 'what was done (or why nothing needed doing)' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  resolution!: string;
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

export function reviewResponse(row: ReviewDetailRow) {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    owner_id: row.owner_id,
    article: {
      id: row.article_id,
      slug: row.article_slug,
      title: row.article_title,
      status: row.article_status,
      version: row.article_current_version,
    },
    article_version: row.article_version,
    votes: row.votes,
    helpful_votes: row.helpful_votes,
    feedback: feedbackResponse(row.feedback),
    resolution: row.resolution,
    closed_by: row.closed_by,
    opened_at: iso(row.opened_at),
    closed_at: iso(row.closed_at),
  };
}
