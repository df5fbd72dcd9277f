import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../platform/http/pagination';
import { ListReviewsQuery, reviewResponse } from './dto/review.dto';
import { KnowledgeRepository, ReviewDetailRow } from './knowledge.repository';

const byOpenedAt = (row: ReviewDetailRow) => ({ at: new Date(row.opened_at).toISOString(), id: row.id });

/** Content reviews poor feedback opened: listed, read and closed by staff. */
@Injectable()
export class ContentReviewsService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ContentReviewsService.name);
  }

  async list(principal: Principal, query: ListReviewsQuery) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listReviews(
      principal.companyId,
      { status: query.status, articleId: query.article_id, ownerId: query.owner_id },
      query.limit,
      after,
    );
    return toPage(rows, query.limit, byOpenedAt, reviewResponse);
  }

  async get(principal: Principal, id: string) {
    return reviewResponse(await this.find(principal.companyId, id));
  }

  /** Closes an open review with what was done; a closed one is a 409, another tenant's a 404. */
  async close(principal: Principal, id: string, resolution: string) {
    const closed = await this.repository.closeReview(
      principal.companyId,
      id,
      resolution,
      principal.userId,
      this.clock.now(),
    );
    const review = await this.find(principal.companyId, id);
    if (!closed) {
      throw new DomainException('invalid_state', 'kb-review-closed', 'This review is already closed');
    }
    this.logger.info(
      {
        operation: 'kb.review.close',
        company_id: principal.companyId,
        user_id: principal.userId,
        review_id: id,
        article_id: review.article_id,
      },
      'Content review closed',
    );
    return reviewResponse(review);
  }

  private async find(companyId: string, id: string): Promise<ReviewDetailRow> {
    const [row] = await this.repository.listReviews(companyId, { id }, 1);
    if (!row) throw DomainException.notFound('Review');
    return row;
  }
}
