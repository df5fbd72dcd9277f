import type { Readable } from 'node:stream';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AppConfig } from '../../../platform/config/app-config';
import { ObjectNotFoundError, ObjectStorage } from '../../../platform/storage/object-storage';
import type { OutgoingDelivery, SendResult } from '../notification.types';
import { NotificationChannel, PermanentDeliveryError } from './channel';

/**
 * Email over SMTP (SMTP_URL) with nodemailer: a text part always, HTML where the template has one, and
 * the notification's attachments streamed from object storage (never held whole in memory).
 */
@Injectable()
export class EmailChannel implements NotificationChannel, OnApplicationShutdown {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
  ) {
    const url = new URL(config.SMTP_URL);
    this.transport = createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 10_000,
    });
  }

  async send(delivery: OutgoingDelivery): Promise<SendResult> {
    if (!delivery.address) throw new PermanentDeliveryError('no email address');
    const attachments = await this.openAttachments(delivery);
    try {
      const info = (await this.transport.sendMail({
        from: this.config.MAIL_FROM,
        to: delivery.address,
        subject: delivery.content.subject ?? delivery.type,
        text: delivery.content.text,
        html: delivery.content.html,
        headers: { 'X-Custops-Delivery': delivery.id },
        attachments,
      })) as { messageId?: string };
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx SMTP replies (mailbox unknown, address rejected) will not succeed on retry.
      if (code !== undefined && code >= 500 && code < 600)
        throw new PermanentDeliveryError((error as Error).message);
      throw error;
    } finally {
      for (const attachment of attachments) attachment.content.destroy();
    }
  }

  /** Each attachment's stored bytes as a stream; a missing object will not appear on retry either. */
  private async openAttachments(
    delivery: OutgoingDelivery,
  ): Promise<Array<{ filename: string; contentType: string; content: Readable }>> {
    const opened: Array<{ filename: string; contentType: string; content: Readable }> = [];
    try {
      for (const attachment of delivery.attachments ?? []) {
        opened.push({
          filename: attachment.filename,
          contentType: attachment.content_type,
          content: await this.storage.get(attachment.storage_key),
        });
      }
      return opened;
    } catch (error) {
      for (const attachment of opened) attachment.content.destroy();
      if (error instanceof ObjectNotFoundError) {
        throw new PermanentDeliveryError(`attachment ${error.key} is not stored`);
      }
      throw error;
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
