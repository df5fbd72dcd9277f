import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../platform/http/pagination';
import { StaffService } from '../staff/staff.service';
import { slugify } from './article-slug';
import {
  CreateArticleDto,
  ListArticlesQuery,
  ListFeedbackQuery,
  PublicArticlesQuery,
  readerArticle,
  staffArticle,
  UpdateArticleDto,
} from './dto/article.dto';
import { feedbackResponse, SubmitFeedbackDto } from './dto/feedback.dto';
import type { ArticleRef, ArticleRow, ArticleSummaryRow, FeedbackRow } from './knowledge.repository';
import { KnowledgeRepository } from './knowledge.repository';
import { poorFeedbackReason, PoorFeedbackThresholds } from './poor-feedback';
import './knowledge.events';

export type { ArticleRef } from './knowledge.repository';

const isStaff = (principal: Principal): boolean => principal.roles.some((role) => STAFF_ROLES.includes(role));

const byCreatedAt = (row: { created_at: Date; id: string }) => ({
  at: new Date(row.created_at).toISOString(),
  id: row.id,
});

const slugTaken = (slug: string) =>
  new DomainException('conflict', 'kb-slug-taken', `Another article already has the slug ${slug}`, [
    { field: 'slug', message: 'choose another slug' },
  ]);

/**
 * The knowledge base's use cases: articles (staff write, readers read what is published) and readers'
 * feedback, which opens a content review for the owner when it is poor (the module's public API).
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly staff: StaffService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(KnowledgeService.name);
  }

  get thresholds(): PoorFeedbackThresholds {
    return {
      poorRatingMax: this.config.KB_POOR_RATING_MAX,
      helpfulShareMin: this.config.KB_HELPFUL_SHARE_MIN,
      helpfulMinVotes: this.config.KB_HELPFUL_MIN_VOTES,
    };
  }

  async create(principal: Principal, input: CreateArticleDto) {
    const ownerId = input.owner_id ?? principal.userId;
    await this.requireOwner(principal, ownerId);
    const now = this.clock.now();
    const id = randomUUID();
    const status = input.status ?? 'draft';
    const article = {
      id,
      company_id: principal.companyId,
      title: input.title,
      body: input.body,
      category: input.category,
      status,
      owner_id: ownerId,
      created_by: principal.userId,
      published_at: status === 'published' ? now : null,
      created_at: now,
    };
    const row = await this.repository.transaction(async (manager) => {
      const slug = input.slug ?? slugify(input.title);
      const inserted = await this.repository.insertArticle(manager, { ...article, slug });
      if (inserted) return inserted;
      if (input.slug) throw slugTaken(input.slug);
      // Two articles with one title: the second slug takes a piece of its id.
      const unique = `${slugify(input.title, 71)}-${id.slice(0, 8)}`;
      const retried = await this.repository.insertArticle(manager, { ...article, slug: unique });
      if (!retried) throw slugTaken(unique);
      return retried;
    });
    this.logger.info(
      {
        operation: 'kb.article.create',
        company_id: principal.companyId,
        user_id: principal.userId,
        article_id: row.id,
        status,
      },
      'Knowledge-base article created',
    );
    return staffArticle(row);
  }

  /** Staff see every article (with the current version's feedback); others only published ones. */
  async get(principal: Principal, ref: ArticleRef) {
    const staff = isStaff(principal);
    const row = await this.repository.findArticle(principal.companyId, ref, !staff);
    if (!row) throw DomainException.notFound('Article');
    if (!staff) return readerArticle(row);
    const tally = await this.repository.tally(undefined, principal.companyId, row.id, row.version);
    return {
      ...staffArticle(row),
      feedback: {
        version: row.version,
        votes: tally.votes,
        helpful_votes: tally.helpfulVotes,
        helpful_share: tally.votes > 0 ? Math.round((tally.helpfulVotes / tally.votes) * 1000) / 1000 : null,
        ratings: tally.ratings,
        average_rating: tally.averageRating,
      },
    };
  }

  /** Anonymous readers: a company's published article (an unknown company has none). */
  async getPublic(companyId: string, ref: ArticleRef) {
    const row = await this.repository.findArticle(companyId, ref, true);
    if (!row) throw DomainException.notFound('Article');
    return readerArticle(row);
  }

  async list(principal: Principal, query: ListArticlesQuery) {
    const staff = isStaff(principal);
    return this.page(
      principal.companyId,
      { publishedOnly: !staff, status: query.status, category: query.category, search: query.q },
      query,
      staff ? staffArticle : readerArticle,
    );
  }

  listPublic(companyId: string, query: PublicArticlesQuery) {
    return this.page(
      companyId,
      { publishedOnly: true, category: query.category, search: query.q },
      query,
      readerArticle,
    );
  }

  /**
   * Staff edits. A change of title or body makes a new version (readers may give feedback again);
   * publishing stamps `published_at`, going back to draft hides the article from readers.
   */
  async update(principal: Principal, ref: ArticleRef, input: UpdateArticleDto) {
    if (input.owner_id !== undefined) await this.requireOwner(principal, input.owner_id);
    const now = this.clock.now();
    const { row, changed } = await this.repository.transaction(async (manager) => {
      const article = await this.repository.lockArticle(manager, principal.companyId, ref, false);
      if (!article) throw DomainException.notFound('Article');
      if (input.version !== undefined && input.version !== article.version) throw versionChanged(article);
      const next = {
        ...article,
        title: input.title ?? article.title,
        body: input.body ?? article.body,
        category: input.category ?? article.category,
        slug: input.slug ?? article.slug,
        status: input.status ?? article.status,
        owner_id: input.owner_id ?? article.owner_id,
      };
      const contentChanged = next.title !== article.title || next.body !== article.body;
      const changes = (['title', 'body', 'category', 'slug', 'status', 'owner_id'] as const).filter(
        (field) => next[field] !== article[field],
      );
      if (changes.length === 0) return { row: article, changed: changes };
      const updated = await this.repository.updateArticle(manager, {
        ...next,
        version: article.version + (contentChanged ? 1 : 0),
        published_at:
          next.status === 'published' ? (article.status === 'published' ? article.published_at : now) : null,
        updated_at: now,
      });
      if (!updated) throw slugTaken(next.slug);
      return { row: updated, changed: changes };
    });
    if (changed.length > 0) {
      this.logger.info(
        {
          operation: 'kb.article.update',
          company_id: principal.companyId,
          user_id: principal.userId,
          article_id: row.id,
          version: row.version,
          changes: changed,
        },
        'Knowledge-base article updated',
      );
    }
    return staffArticle(row);
  }

  /** Deletes the article with its feedback and reviews. */
  async remove(principal: Principal, ref: ArticleRef): Promise<void> {
    const article = await this.repository.findArticle(principal.companyId, ref, false);
    if (!article || !(await this.repository.deleteArticle(principal.companyId, article.id))) {
      throw DomainException.notFound('Article');
    }
    this.logger.info(
      {
        operation: 'kb.article.delete',
        company_id: principal.companyId,
        user_id: principal.userId,
        article_id: article.id,
      },
      'Knowledge-base article deleted',
    );
  }

  /**
   * A reader's feedback on the article's current version, once per user and version. In the same
   * transaction, poor feedback opens a content review for the owner unless the article has an open
   * one or this version already had one; KbFeedbackReceived (and KbContentReviewRequested) go out
   * with the commit. Anything refused writes nothing.
   */
  async giveFeedback(principal: Principal, ref: ArticleRef, input: SubmitFeedbackDto) {
    const staff = isStaff(principal);
    const now = this.clock.now();
    const { feedback, article, reviewId, reason } = await this.repository.transaction(async (manager) => {
      // Readers cannot see drafts (a 404); staff are told why a draft takes no feedback.
      const article = await this.repository.lockArticle(manager, principal.companyId, ref, !staff);
      if (!article) throw DomainException.notFound('Article');
      if (article.status !== 'published') {
        throw new DomainException(
          'invalid_state',
          'kb-article-not-published',
          'Feedback is taken on published articles only; this one is a draft',
        );
      }
      if (input.article_version !== undefined && input.article_version !== article.version) {
        throw versionChanged(article, 'article_version');
      }
      const feedback = await this.repository.insertFeedback(manager, principal.companyId, {
        article_id: article.id,
        article_version: article.version,
        user_id: principal.userId,
        customer_id: staff ? null : (principal.customerId ?? null),
        helpful: input.helpful,
        rating: input.rating ?? null,
        comment: input.comment ?? null,
        created_at: now,
      });
      if (!feedback) {
        throw new DomainException(
          'conflict',
          'kb-feedback-exists',
          `You already gave feedback on version ${article.version} of this article`,
        );
      }
      const tally = await this.repository.tally(manager, principal.companyId, article.id, article.version);
      const reason = poorFeedbackReason(feedback, tally, this.thresholds);
      const review = reason
        ? await this.repository.openReview(manager, principal.companyId, {
            article_id: article.id,
            article_version: article.version,
            owner_id: article.owner_id,
            reason,
            feedback_id: feedback.id,
            votes: tally.votes,
            helpful_votes: tally.helpfulVotes,
            opened_at: now,
          })
        : undefined;
      const common = {
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: feedback.customer_id,
      };
      await this.events.publish(manager, {
        ...common,
        type: 'KbFeedbackReceived',
        metadata: {
          article_id: article.id,
          article_version: article.version,
          feedback_id: feedback.id,
          helpful: feedback.helpful,
          rating: feedback.rating,
          review_id: review?.id ?? null,
        },
      });
      if (review) {
        await this.events.publish(manager, {
          ...common,
          type: 'KbContentReviewRequested',
          metadata: {
            review_id: review.id,
            article_id: article.id,
            article_slug: article.slug,
            article_title: article.title,
            article_version: article.version,
            owner_id: article.owner_id,
            reason: review.reason,
            feedback_id: feedback.id,
            helpful: feedback.helpful,
            rating: feedback.rating,
            comment: feedback.comment,
            votes: review.votes,
            helpful_votes: review.helpful_votes,
          },
        });
      }
      return { feedback, article, reviewId: review?.id ?? null, reason };
    });
    this.logger.info(
      {
        operation: 'kb.feedback',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: feedback.customer_id,
        article_id: article.id,
        version: article.version,
        helpful: feedback.helpful,
        rating: feedback.rating,
        poor: reason,
        review_id: reviewId,
      },
      reviewId ? 'Poor knowledge-base feedback opened a content review' : 'Knowledge-base feedback received',
    );
    return feedbackResponse(feedback);
  }

  /** Staff: an article's feedback, newest first, of one version or all. */
  async listFeedback(principal: Principal, ref: ArticleRef, query: ListFeedbackQuery) {
    const article = await this.repository.findArticle(principal.companyId, ref, false);
    if (!article) throw DomainException.notFound('Article');
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows: FeedbackRow[] = await this.repository.listFeedback(
      principal.companyId,
      article.id,
      query.version,
      query.limit,
      after,
    );
    return toPage(rows, query.limit, byCreatedAt, feedbackResponse);
  }

  private async page<Item>(
    companyId: string,
    filter: Parameters<KnowledgeRepository['listArticles']>[1],
    query: { limit: number; cursor?: string },
    map: (row: ArticleSummaryRow) => Item,
  ) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listArticles(companyId, filter, query.limit, after);
    return toPage(rows, query.limit, byCreatedAt, map);
  }

  /** An owner is the caller, or an active member of the staff directory (so reviews reach someone). */
  private async requireOwner(principal: Principal, ownerId: string): Promise<void> {
    if (ownerId === principal.userId) return;
    const [member] = await this.staff.find(principal.companyId, { userIds: [ownerId] });
    if (!member) {
      throw new DomainException('unprocessable', 'unknown-owner', 'The owner is not an active staff member', [
        { field: 'owner_id', message: 'not in the staff directory' },
      ]);
    }
  }
}

function versionChanged(article: ArticleRow, field = 'version'): DomainException {
  return new DomainException(
    'conflict',
    'kb-article-version-changed',
    `The article is at version ${article.version} now; read it again`,
    [{ field, message: `the current version is ${article.version}` }],
  );
}
