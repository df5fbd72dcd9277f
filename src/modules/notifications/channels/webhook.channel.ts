import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/app-config';
import { NotificationsRepository } from '../notifications.repository';
import type { OutgoingDelivery, SendResult } from '../notification.types';
import { NotificationChannel, PermanentDeliveryError } from './channel';
import { assertPublicUrl } from './webhook-target';

export const SIGNATURE_HEADER = 'x-custops-signature';
export const TIMESTAMP_HEADER = 'x-custops-timestamp';

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: a receiver recomputes it and rejects old timestamps. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Webhooks: the event as JSON, POSTed to the company's endpoint, signed with the endpoint's secret. */
@Injectable()
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook' as const;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: NotificationsRepository,
  ) {}

  async send(delivery: OutgoingDelivery): Promise<SendResult> {
    const endpoint = await this.repository.webhookEndpoint(delivery.companyId, delivery.recipientId);
    if (!endpoint || !endpoint.active) throw new PermanentDeliveryError('webhook endpoint removed');
    // Checked again at send time: a name that resolved to a public address may not any more.
    await assertPublicUrl(endpoint.url, this.config.allowsPrivateWebhookTargets).catch((error: Error) => {
      throw new PermanentDeliveryError(error.message);
    });
    const body = delivery.content.text;
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'custops-webhooks/1',
        'x-custops-delivery': delivery.id,
        'x-custops-event': delivery.type,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(endpoint.secret, timestamp, body),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`webhook endpoint answered ${response.status}`);
    return { providerMessageId: response.headers.get('x-request-id') };
  }
}
