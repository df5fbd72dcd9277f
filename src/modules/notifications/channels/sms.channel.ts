import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/app-config';
import type { OutgoingDelivery, SendResult } from '../notification.types';
import { NotificationChannel, PermanentDeliveryError } from './channel';

const E164 = /^\+[1-9]\d{6,14}$/;

/** `+254 712-345 678` → `+254712345678`; undefined when it cannot be a phone number. */
export function toE164(phone: string): string | undefined {
  const compact = phone.replace(/[\s().-]/g, '');
  const withPlus = compact.startsWith('+') ? compact : `+${compact}`;
  return E164.test(withPlus) ? withPlus : undefined;
}

/**
 * SMS through an HTTP provider: POST SMS_PROVIDER_URL with `{ to, message, reference }` and the API key
 * as a bearer token; the provider answers `{ id }`. 4xx answers are permanent, 5xx and timeouts retried.
 */
@Injectable()
export class SmsChannel implements NotificationChannel {
  readonly name = 'sms' as const;

  constructor(private readonly config: AppConfig) {}

  async send(delivery: OutgoingDelivery): Promise<SendResult> {
    const to = delivery.address ? toE164(delivery.address) : undefined;
    if (!to) throw new PermanentDeliveryError('invalid phone number');
    if (!this.config.SMS_PROVIDER_URL) throw new PermanentDeliveryError('no SMS provider configured');
    const response = await fetch(this.config.SMS_PROVIDER_URL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.config.SMS_API_KEY ? { authorization: `Bearer ${this.config.SMS_API_KEY}` } : {}),
      },
      body: JSON.stringify({ to, message: delivery.content.text, reference: delivery.id }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status >= 400 && response.status < 500) {
      throw new PermanentDeliveryError(`SMS provider refused the message (${response.status})`);
    }
    if (!response.ok) throw new Error(`SMS provider failed (${response.status})`);
    const body = (await response.json().catch(() => ({}))) as { id?: unknown };
    return { providerMessageId: typeof body.id === 'string' ? body.id : null };
  }
}
