import { Module } from '@nestjs/common';
import { CompaniesModule } from '../companies/companies.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { StaffModule } from '../staff/staff.module';
import { ContentReviewsService } from './content-reviews.service';
import { KnowledgeController, PublicKnowledgeController } from './knowledge.controller';
import { KnowledgeMetrics } from './knowledge.metrics';
import { KnowledgeRepository } from './knowledge.repository';
import { KnowledgeService } from './knowledge.service';
import { ReviewNotifier } from './review-notifier';

/** The knowledge base (issue 6): articles, readers' feedback and the content reviews it opens. */
@Module({
  imports: [StaffModule, NotificationsModule, CompaniesModule],
  // `/kb/articles…` and `/kb/reviews…` never reach `/kb/:companyId/articles`: the router prefers static segments.
  controllers: [KnowledgeController, PublicKnowledgeController],
  providers: [KnowledgeService, ContentReviewsService, KnowledgeRepository, KnowledgeMetrics, ReviewNotifier],
  exports: [KnowledgeService],
})
export class KnowledgeModule {}
