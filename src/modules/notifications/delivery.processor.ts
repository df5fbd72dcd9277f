import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import type { DomainEvent } from '../../platform/events/domain-event';
import type { DeliveryAttempt } from '../../platform/events/subscriber-registry';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { QUEUES } from '../../platform/queue/queue-names';
import { NotificationChannel, PermanentDeliveryError } from './channels/channel';
import { EmailChannel } from './channels/email.channel';
import { SmsChannel } from './channels/sms.channel';
import { WebhookChannel } from './channels/webhook.channel';
import type { NotificationChannelName, OutgoingDelivery } from './notification.types';
import { NOTIFICATION_SENT, NotificationSent } from './notifications.events';
import { NotificationsMetrics } from './notifications.metrics';
import { NotificationsRepository } from './notifications.repository';

type ExternalChannel = Exclude<NotificationChannelName, 'in_app'>;

/**
 * Sends one delivery per job (notification × channel × recipient). The claim in PostgreSQL makes a
 * retried or replayed job a no-op once the delivery was sent; BullMQ retries failures with exponential
 * backoff, and the last attempt leaves the delivery `failed` and visible to admins.
 */
@Injectable()
export class DeliveryProcessor {
  private readonly channels: Record<ExternalChannel, NotificationChannel>;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly metrics: NotificationsMetrics,
    private readonly logger: PinoLogger,
    email: EmailChannel,
    sms: SmsChannel,
    webhook: WebhookChannel,
    private readonly emitter: EventEmitter2,
  ) {
    logger.setContext(DeliveryProcessor.name);
    this.channels = { email, sms, webhook };
  }

  @OnDomainEvent('NotificationDeliveryQueued', { name: 'notifications.deliver', queue: QUEUES.notifications })
  async deliver(event: DomainEvent<'NotificationDeliveryQueued'>, attempt: DeliveryAttempt): Promise<void> {
    if (event.metadata.channel === 'in_app') return this.deliverInApp(event.metadata.delivery_id, attempt);
    // A stalled job's previous run died holding the claim (mid-send): this run takes it over. The message
    // may then go out twice if that run had been answered by the server already; each copy carries the
    // same X-Custops-Delivery, on which receivers de-duplicate.
    const delivery = await this.repository.claim(event.metadata.delivery_id, undefined, {
      takeOver: attempt.stalled === true,
    });
    if (!delivery || delivery.channel === 'in_app') return;
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
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const result = await this.channels[delivery.channel].send(delivery);
      stop();
      await this.repository.recordOutcome(delivery.id, {
        status: 'sent',
        attempt: attempt.attempt,
        durationMs: durationMs(),
        providerMessageId: result.providerMessageId,
      });
      this.metrics.outcome(delivery.channel, delivery.type, 'sent');
      this.announceSent(delivery);
      this.logger.info(log, 'Notification delivered');
    } catch (error) {
      const message = (error as Error).message;
      const final = error instanceof PermanentDeliveryError || attempt.attempt >= attempt.maxAttempts;
      await this.repository.recordOutcome(delivery.id, {
        status: final ? 'failed' : 'queued',
        attempt: attempt.attempt,
        durationMs: durationMs(),
        error: message,
      });
      if (final) {
        this.metrics.outcome(delivery.channel, delivery.type, 'failed');
        this.logger.error({ ...log, err: error }, 'Notification delivery failed');
        return;
      }
      this.logger.warn({ ...log, err: error }, 'Notification delivery will be retried');
      throw error;
    }
  }

  /**
   * In-app delivery is a row in the recipient's inbox, so claim, inbox entry and status commit together:
   * one transaction, and no window in which the entry exists but the delivery is not marked sent.
   */
  private async deliverInApp(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    const stop = this.metrics.timer('in_app');
    const started = performance.now();
    const delivered = await this.repository.transaction(async (manager) => {
      const delivery = await this.repository.claim(deliveryId, manager);
      if (!delivery) return undefined;
      const inboxId = await this.repository.insertInApp(delivery, manager);
      await this.repository.recordOutcome(
        delivery.id,
        {
          status: 'sent',
          attempt: attempt.attempt,
          durationMs: Math.round(performance.now() - started),
          providerMessageId: inboxId,
        },
        manager,
      );
      return delivery;
    });
    if (!delivered) return;
    stop();
    this.metrics.outcome('in_app', delivered.type, 'sent');
    this.announceSent(delivered);
  }

  /** Tells in-process listeners (other modules' metrics) that a delivery went out; never fails the job. */
  private announceSent(delivery: OutgoingDelivery): void {
    const sent: NotificationSent = {
      company_id: delivery.companyId,
      type: delivery.type,
      channel: delivery.channel,
      data: delivery.data,
    };
    try {
      this.emitter.emit(NOTIFICATION_SENT, sent);
    } catch (error) {
      this.logger.warn({ operation: 'notification.sent_listener', err: error }, 'A sent listener failed');
    }
  }
}
