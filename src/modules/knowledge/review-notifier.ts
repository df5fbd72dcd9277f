import { Injectable } from '@nestjs/common';
import type { DomainEvent } from '../../platform/events/domain-event';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { CompaniesService } from '../companies/companies.service';
import { NotificationsService } from '../notifications/notifications.service';
import './knowledge.events';

function reasonText(m: DomainEvent<'KbContentReviewRequested'>['metadata']): string {
  switch (m.reason) {
    case 'low_rating':
      return `a reader rated it ${m.rating ?? '?'} out of 5`;
    case 'low_helpful_share':
      return `only ${m.helpful_votes} of ${m.votes} readers (${Math.round((m.helpful_votes / Math.max(m.votes, 1)) * 100)}%) found it helpful`;
  }
}

/**
 * Tells an article's owner a content review was opened for them (in-app, and by email when the staff
 * directory knows their address). Durable: the event id is the idempotency key, so a redelivered
 * event notifies once.
 */
@Injectable()
export class ReviewNotifier {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly companies: CompaniesService,
  ) {}

  @OnDomainEvent('KbContentReviewRequested', { name: 'kb.review-notify' })
  async reviewRequested(event: DomainEvent<'KbContentReviewRequested'>): Promise<void> {
    const m = event.metadata;
    await this.notifications.request({
      companyId: event.company_id,
      type: 'kb.review_requested',
      idempotencyKey: `event:${event.event_id}`,
      data: {
        company_name: await this.companies.nameOf(event.company_id),
        review_id: m.review_id,
        article_id: m.article_id,
        article_title: m.article_title,
        article_slug: m.article_slug,
        article_version: m.article_version,
        reason_text: reasonText(m),
        helpful_text: m.helpful ? 'yes' : 'no',
        rating_text: m.rating === null ? 'none' : `${m.rating} out of 5`,
        comment: m.comment ?? '',
      },
      recipients: [{ kind: 'user', id: m.owner_id }],
    });
  }
}
