import { Injectable } from '@nestjs/common';
import { NotificationsRepository } from '../notifications.repository';
import type { OutgoingDelivery, SendResult } from '../notification.types';
import { NotificationChannel } from './channel';

/** In-app: the notification is stored for its recipient and listed at GET /v1/notifications. */
@Injectable()
export class InAppChannel implements NotificationChannel {
  readonly name = 'in_app' as const;

  constructor(private readonly repository: NotificationsRepository) {}

  async send(delivery: OutgoingDelivery): Promise<SendResult> {
    const id = await this.repository.insertInApp(delivery);
    return { providerMessageId: id };
  }
}
