import type { NotificationChannelName, OutgoingDelivery, SendResult } from '../notification.types';

/** One way of telling someone something. Every channel is reached only through the delivery processor. */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  send(delivery: OutgoingDelivery): Promise<SendResult>;
}

/** A failure retrying cannot fix (bad address, refused by the provider as invalid): recorded as failed at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}
