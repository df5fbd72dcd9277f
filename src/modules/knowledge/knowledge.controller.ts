import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import { articleRef } from './article-slug';
import { ContentReviewsService } from './content-reviews.service';
import {
  CreateArticleDto,
  ListArticlesQuery,
  ListFeedbackQuery,
  PublicArticlesQuery,
  UpdateArticleDto,
} from './dto/article.dto';
import { SubmitFeedbackDto } from './dto/feedback.dto';
import { CloseReviewDto, ListReviewsQuery } from './dto/review.dto';
import { ArticleRef, KnowledgeService } from './knowledge.service';
import { uuidOr404 } from '../../platform/http/params';

/** `:idOrSlug`: an article id or slug; anything else cannot name an article (404). */
function ref(value: string): ArticleRef {
  const parsed = articleRef(value);
  if (!parsed) throw DomainException.notFound('Article');
  return parsed;
}

const ReviewId = uuidOr404('Review');
const CompanyId = uuidOr404('Article');

/** The knowledge base for signed-in callers: the tenant is the token's company. */
@ApiTags('knowledge base')
@ApiBearerAuth()
@Controller('kb')
export class KnowledgeController {
  constructor(
    private readonly knowledge: KnowledgeService,
    private readonly reviews: ContentReviewsService,
  ) {}

  @Post('articles')
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateArticleDto) {
    return this.knowledge.create(principal, body);
  }

  /** Staff see drafts too (filter `status`); customers see published articles. */
  @Get('articles')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListArticlesQuery) {
    return this.knowledge.list(principal, query);
  }

  @Get('articles/:idOrSlug')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('idOrSlug') idOrSlug: string) {
    return this.knowledge.get(principal, ref(idOrSlug));
  }

  /** Edit, publish (`status: published`) or take back to draft; a new title or body is a new version. */
  @Patch('articles/:idOrSlug')
  @Roles('agent', 'manager', 'admin')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('idOrSlug') idOrSlug: string,
    @Body() body: UpdateArticleDto,
  ) {
    return this.knowledge.update(principal, ref(idOrSlug), body);
  }

  @Delete('articles/:idOrSlug')
  @HttpCode(204)
  @Roles('manager', 'admin')
  async remove(@CurrentPrincipal() principal: Principal, @Param('idOrSlug') idOrSlug: string): Promise<void> {
    await this.knowledge.remove(principal, ref(idOrSlug));
  }

  /** Helpful or not, a rating and a comment: once per user and article version. */
  @Post('articles/:idOrSlug/feedback')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  @Idempotent()
  feedback(
    @CurrentPrincipal() principal: Principal,
    @Param('idOrSlug') idOrSlug: string,
    @Body() body: SubmitFeedbackDto,
  ) {
    return this.knowledge.giveFeedback(principal, ref(idOrSlug), body);
  }

  @Get('articles/:idOrSlug/feedback')
  @Roles('viewer', 'agent', 'manager', 'admin')
  listFeedback(
    @CurrentPrincipal() principal: Principal,
    @Param('idOrSlug') idOrSlug: string,
    @Query() query: ListFeedbackQuery,
  ) {
    return this.knowledge.listFeedback(principal, ref(idOrSlug), query);
  }

  @Get('reviews')
  @Roles('viewer', 'agent', 'manager', 'admin')
  listReviews(@CurrentPrincipal() principal: Principal, @Query() query: ListReviewsQuery) {
    return this.reviews.list(principal, query);
  }

  @Get('reviews/:id')
  @Roles('viewer', 'agent', 'manager', 'admin')
  review(@CurrentPrincipal() principal: Principal, @Param('id', ReviewId) id: string) {
    return this.reviews.get(principal, id);
  }

  @Post('reviews/:id/close')
  @HttpCode(200)
  @Roles('agent', 'manager', 'admin')
  closeReview(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ReviewId) id: string,
    @Body() body: CloseReviewDto,
  ) {
    return this.reviews.close(principal, id, body.resolution);
  }
}

/**
 * Anonymous readers (a help centre, a captive portal): published articles of the company in the path.
 * An unknown company answers like one without articles.
 */
@ApiTags('knowledge base')
@Public()
@Controller('kb/:companyId/articles')
export class PublicKnowledgeController {
  constructor(private readonly knowledge: KnowledgeService) {}

  @Get()
  list(@Param('companyId', CompanyId) companyId: string, @Query() query: PublicArticlesQuery) {
    return this.knowledge.listPublic(companyId, query);
  }

  @Get(':idOrSlug')
  get(@Param('companyId', CompanyId) companyId: string, @Param('idOrSlug') idOrSlug: string) {
    return this.knowledge.getPublic(companyId, ref(idOrSlug));
  }
}
