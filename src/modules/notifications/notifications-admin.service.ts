import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';
import { AppConfig } from '../../platform/config/app-config';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../platform/http/pagination';
import { assertPublicUrl } from './channels/webhook-target';
import type {
  DeliveriesQuery,
  InboxQuery,
  PreferenceDto,
  RegisterWebhookDto,
  RequestNotificationDto,
} from './dto/notification.dto';
import { WEBHOOK_EVENT_TYPES } from './notification-triggers';
import type { DeliveryStatus, Recipient, RecipientKind, RoleRecipient } from './notification.types';
import { AttemptRow, DeliveryRow, InboxRow, NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

const isStaff = (principal: Principal): boolean => principal.roles.some((role) => STAFF_ROLES.includes(role));

/** The caller's own inbox: a customer token reads its customer's, a staff token its user's. */
function inboxOwner(principal: Principal): { kind: RecipientKind; id: string } {
  if (!isStaff(principal) && principal.customerId) return { kind: 'customer', id: principal.customerId };
  return { kind: 'user', id: principal.userId };
}

/** Keyset position of inbox entries and deliveries: newest first. */
const byCreatedAt = (row: { created_at: Date; id: string }) => ({
  at: new Date(row.created_at).toISOString(),
  id: row.id,
});

const attemptItem = (attempt: AttemptRow) => ({
  ...attempt,
  attempted_at: new Date(attempt.attempted_at).toISOString(),
});

const inboxItem = (row: InboxRow) => ({
  id: row.id,
  type: row.type,
  title: row.title,
  body: row.body,
  created_at: new Date(row.created_at).toISOString(),
  read_at: row.read_at ? new Date(row.read_at).toISOString() : null,
});

const deliveryItem = (row: DeliveryRow) => ({
  id: row.id,
  notification_id: row.notification_id,
  type: row.type,
  channel: row.channel,
  recipient_kind: row.recipient_kind,
  recipient_id: row.recipient_id,
  status: row.status,
  attempts: row.attempts,
  last_error: row.last_error,
  provider_message_id: row.provider_message_id,
  created_at: new Date(row.created_at).toISOString(),
  sent_at: row.sent_at ? new Date(row.sent_at).toISOString() : null,
});

/** The HTTP use cases of the notifications module: requests, inboxes, preferences, delivery admin, webhooks. */
@Injectable()
export class NotificationsAdmin {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly repository: NotificationsRepository,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  async request(principal: Principal, body: RequestNotificationDto) {
    const result = await this.notifications.request({
      companyId: principal.companyId,
      type: body.type,
      severity: body.severity,
      idempotencyKey: `request:${randomUUID()}`,
      data: body.data,
      recipients: body.recipients.map((r): Recipient | RoleRecipient =>
        r.kind === 'role'
          ? { kind: 'role', role: r.role ?? '', department: r.department, channels: r.channels }
          : r.kind === 'user'
            ? { kind: 'user', id: r.id, email: r.email, phone: r.phone, channels: r.channels }
            : { kind: 'customer', id: r.id, channels: r.channels },
      ),
    });
    return { notification_id: result.notificationId, deliveries: result.deliveries };
  }

  async inbox(principal: Principal, query: InboxQuery) {
    const owner = inboxOwner(principal);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listInbox(
      principal.companyId,
      owner.kind,
      owner.id,
      query.unread ?? false,
      query.limit,
      after,
    );
    return toPage(rows, query.limit, byCreatedAt, inboxItem);
  }

  async read(principal: Principal, id: string) {
    const owner = inboxOwner(principal);
    const row = await this.repository.markRead(principal.companyId, owner.kind, owner.id, id);
    if (!row) throw DomainException.notFound('Notification');
    return inboxItem(row);
  }

  async readAll(principal: Principal) {
    const owner = inboxOwner(principal);
    return { marked_read: await this.repository.markAllRead(principal.companyId, owner.kind, owner.id) };
  }

  /** Customers set their own; staff set their own, and agents and above set a customer's. */
  async setPreference(principal: Principal, body: PreferenceDto) {
    const own = inboxOwner(principal);
    const isOwn = own.kind === body.recipient_kind && own.id === body.recipient_id;
    const mayManage =
      body.recipient_kind === 'customer' &&
      principal.roles.some((role) => ['agent', 'manager', 'admin'].includes(role));
    if (!isOwn && !mayManage) {
      throw new DomainException(
        'forbidden',
        'forbidden',
        'You may only change your own notification preferences',
      );
    }
    await this.repository.setPreference(
      principal.companyId,
      body.recipient_kind,
      body.recipient_id,
      body.channel,
      body.opted_out,
    );
    return body;
  }

  async deliveries(principal: Principal, query: DeliveriesQuery) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listDeliveries(
      principal.companyId,
      {
        status: query.status,
        type: query.type,
        channel: query.channel,
        recipientKind: query.recipient_kind,
        recipientId: query.recipient_id,
      },
      query.limit,
      after,
    );
    return toPage(rows, query.limit, byCreatedAt, deliveryItem);
  }

  async delivery(principal: Principal, id: string) {
    const row = await this.repository.findDelivery(principal.companyId, id);
    if (!row) throw DomainException.notFound('Delivery');
    const attempts = await this.repository.listAttempts(principal.companyId, id);
    return {
      ...deliveryItem(row),
      attempts_log: attempts.map(attemptItem),
    };
  }

  /** Queues a delivery again (a new job): admins retry failed ones and replay webhooks. */
  async retry(principal: Principal, id: string, from: DeliveryStatus[]) {
    const row = await this.repository.transaction(async (manager) => {
      const requeued = await this.repository.requeue(manager, principal.companyId, id, from);
      if (!requeued) return undefined;
      await this.events.publish(manager, {
        type: 'NotificationDeliveryQueued',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { delivery_id: requeued.id, channel: requeued.channel, type: requeued.type },
      });
      return requeued;
    });
    if (!row) {
      const existing = await this.repository.findDelivery(principal.companyId, id);
      if (!existing) throw DomainException.notFound('Delivery');
      throw new DomainException(
        'invalid_state',
        'delivery-not-retryable',
        `A ${existing.status} delivery cannot be sent again`,
      );
    }
    return deliveryItem(row);
  }

  async registerWebhook(principal: Principal, body: RegisterWebhookDto) {
    const unknown = body.event_types.filter(
      (type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type),
    );
    if (unknown.length > 0) {
      throw new DomainException('invalid_input', 'validation-failed', 'Unknown event types', [
        { field: 'event_types', message: `not available as webhooks: ${unknown.join(', ')}` },
      ]);
    }
    await assertPublicUrl(body.url, this.config.allowsPrivateWebhookTargets).catch((error: Error) => {
      throw new DomainException('invalid_input', 'validation-failed', 'The webhook URL is not acceptable', [
        { field: 'url', message: error.message },
      ]);
    });
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = await this.repository.insertWebhookEndpoint(principal.companyId, body.url, secret, [
      ...new Set(body.event_types),
    ]);
    return {
      id: row.id,
      url: row.url,
      event_types: row.event_types,
      secret,
      created_at: new Date(row.created_at).toISOString(),
    };
  }

  async listWebhooks(principal: Principal) {
    const rows = await this.repository.listWebhookEndpoints(principal.companyId);
    return {
      data: rows.map((row) => ({
        id: row.id,
        url: row.url,
        event_types: row.event_types,
        created_at: new Date(row.created_at).toISOString(),
      })),
    };
  }

  async removeWebhook(principal: Principal, id: string): Promise<void> {
    if (!(await this.repository.deactivateWebhookEndpoint(principal.companyId, id)))
      throw DomainException.notFound('Webhook');
  }

  async webhookDeliveries(principal: Principal, id: string) {
    if (!(await this.repository.webhookEndpoint(principal.companyId, id)))
      throw DomainException.notFound('Webhook');
    const rows = await this.repository.listDeliveries(
      principal.companyId,
      { recipientKind: 'webhook', recipientId: id },
      200,
    );
    const page = rows.slice(0, 200);
    const attempts = await this.repository.listAttemptsOf(
      principal.companyId,
      page.map((row) => row.id),
    );
    return {
      data: page.map((row) => ({
        ...deliveryItem(row),
        attempts_log: (attempts.get(row.id) ?? []).map(attemptItem),
      })),
    };
  }
}
