import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { DomainEvent } from '../../platform/events/domain-event';
import type { DeliveryAttempt } from '../../platform/events/subscriber-registry';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { QUEUES } from '../../platform/queue/queue-names';
import { NotificationChannel, PermanentDeliveryError } from './channels/channel';
import { EmailChannel } from './channels/email.channel';
import { InAppChannel } from './channels/in-app.channel';
import { SmsChannel } from './channels/sms.channel';
import { WebhookChannel } from './channels/webhook.channel';
import type { NotificationChannelName } from './notification.types';
import { NotificationsMetrics } from './notifications.metrics';
import { NotificationsRepository } from './notifications.repository';

/**
 * Sends one delivery per job (notification × channel × recipient). The claim in PostgreSQL makes a
 * retried or replayed job a no-op once the delivery was sent; BullMQ retries failures with exponential
 * backoff, and the last attempt leaves the delivery `failed` and visible to admins.
 */
@Injectable()
export class DeliveryProcessor {
  private readonly channels: Record<NotificationChannelName, NotificationChannel>;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly metrics: NotificationsMetrics,
    private readonly logger: PinoLogger,
    email: EmailChannel,
    sms: SmsChannel,
    inApp: InAppChannel,
    webhook: WebhookChannel,
  ) {
    logger.setContext(DeliveryProcessor.name);
    this.channels = { email, sms, in_app: inApp, webhook };
  }

  @OnDomainEvent('NotificationDeliveryQueued', { name: 'notifications.deliver', queue: QUEUES.notifications })
  async deliver(event: DomainEvent<'NotificationDeliveryQueued'>, attempt: DeliveryAttempt): Promise<void> {
    const delivery = await this.repository.claim(event.metadata.delivery_id);
    if (!delivery) return;
    const log = {
      operation: 'notification.deliver',
      company_id: delivery.companyId,
      delivery_id: delivery.id,
      channel: delivery.channel,
      type: delivery.type,
      attempt: attempt.attempt,
    };
    const stop = this.metrics.timer(delivery.channel);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const result = await this.channels[delivery.channel].send(delivery);
      stop();
      await this.repository.markSent(delivery.id, result.providerMessageId);
      await this.repository.recordAttempt(
        delivery.companyId,
        delivery.id,
        attempt.attempt,
        'sent',
        null,
        elapsed(),
      );
      this.metrics.outcome(delivery.channel, delivery.type, 'sent');
      this.logger.info(log, 'Notification delivered');
    } catch (error) {
      const message = (error as Error).message;
      const final = error instanceof PermanentDeliveryError || attempt.attempt >= attempt.maxAttempts;
      await this.repository.markUnsent(delivery.id, final ? 'failed' : 'queued', message);
      await this.repository.recordAttempt(
        delivery.companyId,
        delivery.id,
        attempt.attempt,
        final ? 'failed' : 'retry',
        message,
        elapsed(),
      );
      if (final) {
        this.metrics.outcome(delivery.channel, delivery.type, 'failed');
        this.logger.error({ ...log, err: error }, 'Notification delivery failed');
        return;
      }
      this.logger.warn({ ...log, err: error }, 'Notification delivery will be retried');
      throw error;
    }
  }
}
