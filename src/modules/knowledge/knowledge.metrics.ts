import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import type { DomainEvent } from '../../platform/events/domain-event';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';
import './knowledge.events';

/**
 * The knowledge base's metrics (issue 6), fed from committed events by in-process listeners (in the
 * worker), so feedback rolled back (a duplicate, a draft) never counts. A metric may be lost; the
 * listeners never throw.
 */
@Injectable()
export class KnowledgeMetrics {
  private readonly feedback: Counter<'company_id' | 'helpful'>;
  private readonly reviewsOpened: Counter<'company_id'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(KnowledgeMetrics.name);
    this.feedback = new Counter({
      name: 'kb_feedback_total',
      help: 'Knowledge-base feedback received, by whether the reader found the article helpful',
      labelNames: ['company_id', 'helpful'],
      registers: [registry],
    });
    this.reviewsOpened = new Counter({
      name: 'kb_content_reviews_opened_total',
      help: 'Content reviews opened for article owners by poor feedback',
      labelNames: ['company_id'],
      registers: [registry],
    });
  }

  @OnEvent('KbFeedbackReceived')
  onFeedback(event: DomainEvent<'KbFeedbackReceived'>): void {
    this.safely(event, () =>
      this.feedback.inc({
        company_id: this.tenant.for('kb_feedback_total', event.company_id),
        helpful: String(event.metadata.helpful),
      }),
    );
  }

  @OnEvent('KbContentReviewRequested')
  onReviewRequested(event: DomainEvent<'KbContentReviewRequested'>): void {
    this.safely(event, () =>
      this.reviewsOpened.inc({
        company_id: this.tenant.for('kb_content_reviews_opened_total', event.company_id),
      }),
    );
  }

  private safely(event: DomainEvent, count: () => void): void {
    try {
      count();
    } catch (error) {
      this.logger.warn(
        { err: error, operation: 'kb.metrics', event_type: event.type, company_id: event.company_id },
        'A knowledge-base metric was not counted',
      );
    }
  }
}
