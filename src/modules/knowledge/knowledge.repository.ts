import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows, violatedUniqueConstraint } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { FeedbackTally, ReviewReason } from './poor-feedback';

export type ArticleStatus = 'draft' | 'published';
export type ReviewStatus = 'open' | 'closed';

export interface ArticleRow {
  id: string;
  company_id: string;
  slug: string;
  title: string;
  body: string;
  category: string;
  status: ArticleStatus;
  owner_id: string;
  version: number;
  created_by: string;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A list entry: the body is left out, an excerpt stands for it. */
export type ArticleSummaryRow = Omit<ArticleRow, 'body'> & { excerpt: string };

export interface FeedbackRow {
  id: string;
  article_id: string;
  article_version: number;
  user_id: string;
  customer_id: string | null;
  helpful: boolean;
  rating: number | null;
  comment: string | null;
  created_at: Date;
}

export interface ReviewRow {
  id: string;
  article_id: string;
  article_version: number;
  owner_id: string;
  reason: ReviewReason;
  feedback_id: string;
  votes: number;
  helpful_votes: number;
  status: ReviewStatus;
  resolution: string | null;
  closed_by: string | null;
  opened_at: Date;
  closed_at: Date | null;
}

/** A review as listed: with its article and the feedback that opened it. */
export interface ReviewDetailRow extends ReviewRow {
  article_slug: string;
  article_title: string;
  article_current_version: number;
  article_status: ArticleStatus;
  feedback: FeedbackRow;
}

export type ArticleRef = { id: string } | { slug: string };

export interface ArticleFilter {
  publishedOnly: boolean;
  status?: ArticleStatus;
  category?: string;
  /** Text in the title, matched case-insensitively. */
  search?: string;
}

const ARTICLE_COLUMNS = `id, company_id, slug, title, body, category, status, owner_id, version, created_by,
  published_at, created_at, updated_at`;
const SUMMARY_COLUMNS = `id, company_id, slug, title, category, status, owner_id, version, created_by,
  published_at, created_at, updated_at, left(regexp_replace(body, '\\s+', ' ', 'g'), 240) AS excerpt`;
const FEEDBACK_COLUMNS =
  'id, article_id, article_version, user_id, customer_id, helpful, rating, comment, created_at';
const REVIEW_COLUMNS = `id, article_id, article_version, owner_id, reason, feedback_id, votes, helpful_votes, status,
  resolution, closed_by, opened_at, closed_at`;

const isUniqueViolation = (error: unknown, constraint: string): boolean =>
  violatedUniqueConstraint(error) === constraint;

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** `id = $n` or `slug = $n` for a reference, with its parameter. */
function refCondition(ref: ArticleRef, n: number): [string, string] {
  return 'id' in ref ? [`id = $${n}`, ref.id] : [`slug = $${n}`, ref.slug];
}

/** Every query of the knowledge base. */
@Injectable()
export class KnowledgeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Inserts an article; undefined when the company already has an article with that slug. */
  async insertArticle(
    manager: EntityManager,
    article: Omit<ArticleRow, 'version' | 'updated_at'>,
  ): Promise<ArticleRow | undefined> {
    const [row] = await manager.query<ArticleRow[]>(
      `INSERT INTO kb_articles (id, company_id, slug, title, body, category, status, owner_id, created_by, published_at,
                                created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
       ON CONFLICT (company_id, slug) DO NOTHING
       RETURNING ${ARTICLE_COLUMNS}`,
      [
        article.id,
        article.company_id,
        article.slug,
        article.title,
        article.body,
        article.category,
        article.status,
        article.owner_id,
        article.created_by,
        article.published_at,
        article.created_at,
      ],
    );
    return row;
  }

  async findArticle(
    companyId: string,
    ref: ArticleRef,
    publishedOnly: boolean,
  ): Promise<ArticleRow | undefined> {
    const [condition, value] = refCondition(ref, 2);
    const [row] = await this.dataSource.query<ArticleRow[]>(
      `SELECT ${ARTICLE_COLUMNS} FROM kb_articles
        WHERE company_id = $1 AND ${condition} ${publishedOnly ? `AND status = 'published'` : ''}`,
      [companyId, value],
    );
    return row;
  }

  /** Locks an article for the rest of the transaction (edits and feedback on one article take turns). */
  async lockArticle(
    manager: EntityManager,
    companyId: string,
    ref: ArticleRef,
    publishedOnly: boolean,
  ): Promise<ArticleRow | undefined> {
    const [condition, value] = refCondition(ref, 2);
    const [row] = await manager.query<ArticleRow[]>(
      `SELECT ${ARTICLE_COLUMNS} FROM kb_articles
        WHERE company_id = $1 AND ${condition} ${publishedOnly ? `AND status = 'published'` : ''}
        FOR UPDATE`,
      [companyId, value],
    );
    return row;
  }

  /** Writes the article's new state; undefined when the new slug is another article's. */
  async updateArticle(
    manager: EntityManager,
    article: Pick<
      ArticleRow,
      | 'id'
      | 'company_id'
      | 'slug'
      | 'title'
      | 'body'
      | 'category'
      | 'status'
      | 'owner_id'
      | 'version'
      | 'published_at'
      | 'updated_at'
    >,
  ): Promise<ArticleRow | undefined> {
    if (article.slug) {
      const [taken] = await manager.query<Array<{ id: string }>>(
        'SELECT id FROM kb_articles WHERE company_id = $1 AND slug = $2 AND id <> $3',
        [article.company_id, article.slug, article.id],
      );
      if (taken) return undefined;
    }
    try {
      return returnedRows(
        await manager.query<ArticleRow[]>(
          `UPDATE kb_articles
                SET slug = $3, title = $4, body = $5, category = $6, status = $7, owner_id = $8, version = $9,
                    published_at = $10, updated_at = $11
              WHERE company_id = $1 AND id = $2
              RETURNING ${ARTICLE_COLUMNS}`,
          [
            article.company_id,
            article.id,
            article.slug,
            article.title,
            article.body,
            article.category,
            article.status,
            article.owner_id,
            article.version,
            article.published_at,
            article.updated_at,
          ],
        ),
      )[0];
    } catch (error) {
      // Another edit took the slug between the check and the update: the caller throws, rolling back.
      if (isUniqueViolation(error, 'kb_articles_company_slug_unique')) return undefined;
      throw error;
    }
  }

  /** Deletes an article with its feedback and reviews; false when there was none. */
  async deleteArticle(companyId: string, id: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query<Array<{ id: string }>>(
        'DELETE FROM kb_articles WHERE company_id = $1 AND id = $2 RETURNING id',
        [companyId, id],
      ),
    );
    return rows.length > 0;
  }

  /** Newest first, `limit + 1` rows (the extra one only says there is a next page). */
  listArticles(
    companyId: string,
    filter: ArticleFilter,
    limit: number,
    after?: KeysetPosition,
  ): Promise<ArticleSummaryRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (condition: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (filter.publishedOnly) where.push(`status = 'published'`);
    else if (filter.status) add((n) => `status = ${n}`, filter.status);
    if (filter.category) add((n) => `category = ${n}`, filter.category);
    if (filter.search) add((n) => `title ILIKE ${n}`, `%${escapeLike(filter.search)}%`);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    return this.dataSource.query<ArticleSummaryRow[]>(
      `SELECT ${SUMMARY_COLUMNS} FROM kb_articles WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Records feedback; undefined when this user already gave feedback on this version. */
  async insertFeedback(
    manager: EntityManager,
    companyId: string,
    feedback: Omit<FeedbackRow, 'id'>,
  ): Promise<FeedbackRow | undefined> {
    const [row] = await manager.query<FeedbackRow[]>(
      `INSERT INTO kb_feedback (company_id, article_id, article_version, user_id, customer_id, helpful, rating, comment,
                                created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (company_id, article_id, article_version, user_id) DO NOTHING
       RETURNING ${FEEDBACK_COLUMNS}`,
      [
        companyId,
        feedback.article_id,
        feedback.article_version,
        feedback.user_id,
        feedback.customer_id,
        feedback.helpful,
        feedback.rating,
        feedback.comment,
        feedback.created_at,
      ],
    );
    return row;
  }

  /** An article version's votes and average rating. */
  async tally(
    manager: EntityManager | undefined,
    companyId: string,
    articleId: string,
    version: number,
  ): Promise<FeedbackTally & { averageRating: number | null; ratings: number }> {
    const [row] = await (manager ?? this.dataSource).query<
      Array<{ votes: number; helpful_votes: number; ratings: number; average_rating: string | null }>
    >(
      `SELECT count(*)::int AS votes, count(*) FILTER (WHERE helpful)::int AS helpful_votes,
              count(rating)::int AS ratings, avg(rating)::numeric(3, 2)::text AS average_rating
         FROM kb_feedback WHERE company_id = $1 AND article_id = $2 AND article_version = $3`,
      [companyId, articleId, version],
    );
    return {
      votes: row.votes,
      helpfulVotes: row.helpful_votes,
      ratings: row.ratings,
      averageRating: row.average_rating === null ? null : Number(row.average_rating),
    };
  }

  listFeedback(
    companyId: string,
    articleId: string,
    version: number | undefined,
    limit: number,
    after?: KeysetPosition,
  ): Promise<FeedbackRow[]> {
    const params: unknown[] = [companyId, articleId];
    const where = ['company_id = $1', 'article_id = $2'];
    if (version !== undefined) {
      params.push(version);
      where.push(`article_version = $${params.length}`);
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    return this.dataSource.query<FeedbackRow[]>(
      `SELECT ${FEEDBACK_COLUMNS} FROM kb_feedback WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Opens a review; undefined when the article already has an open one or this version already had
   * one (the unique indexes decide, so concurrent poor feedback still opens exactly one).
   */
  async openReview(
    manager: EntityManager,
    companyId: string,
    review: Omit<ReviewRow, 'id' | 'status' | 'resolution' | 'closed_by' | 'closed_at'>,
  ): Promise<ReviewRow | undefined> {
    const [row] = await manager.query<ReviewRow[]>(
      `INSERT INTO kb_content_reviews (company_id, article_id, article_version, owner_id, reason, feedback_id, votes,
                                       helpful_votes, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING
       RETURNING ${REVIEW_COLUMNS}`,
      [
        companyId,
        review.article_id,
        review.article_version,
        review.owner_id,
        review.reason,
        review.feedback_id,
        review.votes,
        review.helpful_votes,
        review.opened_at,
      ],
    );
    return row;
  }

  /** The article's open review, if any. */
  async openReviewOf(
    manager: EntityManager,
    companyId: string,
    articleId: string,
  ): Promise<string | undefined> {
    const [row] = await manager.query<Array<{ id: string }>>(
      `SELECT id FROM kb_content_reviews WHERE company_id = $1 AND article_id = $2 AND status = 'open'`,
      [companyId, articleId],
    );
    return row?.id;
  }

  listReviews(
    companyId: string,
    filter: { status?: ReviewStatus; articleId?: string; ownerId?: string; id?: string },
    limit: number,
    after?: KeysetPosition,
  ): Promise<ReviewDetailRow[]> {
    const params: unknown[] = [companyId];
    const where = ['r.company_id = $1'];
    const add = (condition: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (filter.id) add((n) => `r.id = ${n}`, filter.id);
    if (filter.status) add((n) => `r.status = ${n}`, filter.status);
    if (filter.articleId) add((n) => `r.article_id = ${n}`, filter.articleId);
    if (filter.ownerId) add((n) => `r.owner_id = ${n}`, filter.ownerId);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(r.opened_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    return this.dataSource.query<ReviewDetailRow[]>(
      `SELECT r.id, r.article_id, r.article_version, r.owner_id, r.reason, r.feedback_id, r.votes, r.helpful_votes,
              r.status, r.resolution, r.closed_by, r.opened_at, r.closed_at,
              a.slug AS article_slug, a.title AS article_title, a.version AS article_current_version,
              a.status AS article_status,
              json_build_object('id', f.id, 'article_id', f.article_id, 'article_version', f.article_version,
                                'user_id', f.user_id, 'customer_id', f.customer_id, 'helpful', f.helpful,
                                'rating', f.rating, 'comment', f.comment, 'created_at', f.created_at) AS feedback
         FROM kb_content_reviews r
         JOIN kb_articles a ON a.id = r.article_id
         JOIN kb_feedback f ON f.id = r.feedback_id
        WHERE ${where.join(' AND ')}
        ORDER BY r.opened_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Closes an open review; undefined when there is no such review or it is already closed. */
  async closeReview(
    companyId: string,
    id: string,
    resolution: string,
    closedBy: string,
    at: Date,
  ): Promise<string | undefined> {
    const rows = returnedRows(
      await this.dataSource.query<Array<{ id: string }>>(
        `UPDATE kb_content_reviews SET status = 'closed', resolution = $3, closed_by = $4, closed_at = $5
          WHERE company_id = $1 AND id = $2 AND status = 'open'
          RETURNING id`,
        [companyId, id, resolution, closedBy, at],
      ),
    );
    return rows[0]?.id;
  }
}
