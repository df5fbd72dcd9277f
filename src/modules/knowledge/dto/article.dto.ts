import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  NotContains,
} from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import { SLUG_INPUT_PATTERN, SLUG_MAX } from '../article-slug';
import type { ArticleRow, ArticleSummaryRow } from '../knowledge.repository';

export const ARTICLE_STATUSES = ['draft', 'published'] as const;
const CATEGORY = /^[a-z0-9][a-z0-9_-]{0,49}$/;
const USER_ID = /^[\w.:@-]{1,128}$/;
export const BODY_MAX = 100_000;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const SlugMessage = `slug must be lower-case letters and digits in words joined by single hyphens (not an id), at most ${SLUG_MAX}`;

export class CreateArticleDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;

  @ApiProperty({ maxLength: BODY_MAX, description: 'Markdown, stored and returned as written' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(BODY_MAX)
  body!: string;

  @ApiProperty({ example: 'connectivity', description: '1-50 of a-z, 0-9, _ or -' })
  @Matches(CATEGORY, { message: 'category must be 1-50 of a-z, 0-9, _ or -' })
  category!: string;

  @ApiPropertyOptional({ description: 'made from the title when absent; unique within the company' })
  @IsOptional()
  @Matches(SLUG_INPUT_PATTERN, { message: SlugMessage })
  @MaxLength(SLUG_MAX)
  slug?: string;

  @ApiPropertyOptional({ enum: ARTICLE_STATUSES, default: 'draft' })
  @IsOptional()
  @IsIn(ARTICLE_STATUSES)
  status?: (typeof ARTICLE_STATUSES)[number];

  @ApiPropertyOptional({
    description: 'the staff member (user id) answerable for the content; the author when absent',
  })
  @IsOptional()
  @Matches(USER_ID, { message: 'owner_id must be a user id' })
  owner_id?: string;
}

/** Any subset; a change of title or body makes a new version. */
export class UpdateArticleDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ maxLength: BODY_MAX })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(BODY_MAX)
  body?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(CATEGORY, { message: 'category must be 1-50 of a-z, 0-9, _ or -' })
  category?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(SLUG_INPUT_PATTERN, { message: SlugMessage })
  @MaxLength(SLUG_MAX)
  slug?: string;

  @ApiPropertyOptional({ enum: ARTICLE_STATUSES, description: 'publish or take back to draft' })
  @IsOptional()
  @IsIn(ARTICLE_STATUSES)
  status?: (typeof ARTICLE_STATUSES)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(USER_ID, { message: 'owner_id must be a user id' })
  owner_id?: string;

  @ApiPropertyOptional({
    description: 'the version this edit was made on; another current version is a 409 (nothing is lost)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

/** Anonymous readers filter by category and title only. */
export class PublicArticlesQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(CATEGORY, { message: 'category must be 1-50 of a-z, 0-9, _ or -' })
  category?: string;

  @ApiPropertyOptional({ description: 'text in the title (case-insensitive)', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @NotContains('\u0000')
  q?: string;
}

/** Staff also filter by status (drafts included). */
export class ListArticlesQuery extends PublicArticlesQuery {
  @ApiPropertyOptional({ enum: ARTICLE_STATUSES, description: 'staff only; readers see published articles' })
  @IsOptional()
  @IsIn(ARTICLE_STATUSES)
  status?: (typeof ARTICLE_STATUSES)[number];
}

export class ListFeedbackQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'one version only (all versions when absent)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** What anyone who may read the article sees (anonymous readers and customers included). */
export function readerArticle(row: ArticleRow | ArticleSummaryRow) {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    ...('body' in row ? { body: row.body } : { excerpt: row.excerpt }),
    category: row.category,
    version: row.version,
    published_at: iso(row.published_at),
    updated_at: iso(row.updated_at),
  };
}

/** What staff see: the status, the owner and who wrote it too. */
export function staffArticle(row: ArticleRow | ArticleSummaryRow) {
  return {
    ...readerArticle(row),
    status: row.status,
    owner_id: row.owner_id,
    created_by: row.created_by,
    created_at: iso(row.created_at),
  };
}
