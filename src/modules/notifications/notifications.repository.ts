import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type {
  DeliveryStatus,
  NotificationAttachment,
  NotificationChannelName,
  OutgoingDelivery,
  RecipientKind,
  RenderedMessage,
  Severity,
} from './notification.types';

export interface NewDelivery {
  channel: NotificationChannelName;
  recipientKind: RecipientKind;
  recipientId: string;
  address: string | null;
  content: RenderedMessage;
  status: Extract<DeliveryStatus, 'queued' | 'suppressed' | 'failed'>;
  lastError?: string;
}

export interface DeliveryRow {
  id: string;
  notification_id: string;
  type: string;
  channel: NotificationChannelName;
  recipient_kind: RecipientKind;
  recipient_id: string;
  address: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export interface AttemptRow {
  attempt: number;
  outcome: string;
  error: string | null;
  duration_ms: number;
  attempted_at: Date;
}

export interface InboxRow {
  id: string;
  type: string;
  title: string | null;
  body: string;
  created_at: Date;
  read_at: Date | null;
}

export interface WebhookEndpointRow {
  id: string;
  url: string;
  secret: string;
  event_types: string[];
  active: boolean;
  created_at: Date;
}

/** A delivery claimed by a sender stays claimed this long; after that a retried job may take it over. */
const CLAIM_TIMEOUT_SECONDS = 300;
const DELIVERY_COLUMNS = `id, notification_id, type, channel, recipient_kind, recipient_id, address, status, attempts,
  last_error, provider_message_id, created_at, updated_at, sent_at`;

/** Every query of the notifications module. */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Returns the notification's id and whether this call created it (false: same idempotency key seen before). */
  async insertNotification(
    manager: EntityManager,
    values: {
      companyId: string;
      type: string;
      severity: Severity;
      idempotencyKey: string;
      data: unknown;
      attachments?: NotificationAttachment[] | null;
      at: Date;
    },
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await manager.query<Array<{ id: string }>>(
      `INSERT INTO notifications (company_id, type, severity, idempotency_key, data, attachments, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (company_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        values.companyId,
        values.type,
        values.severity,
        values.idempotencyKey,
        JSON.stringify(values.data),
        values.attachments ? JSON.stringify(values.attachments) : null,
        values.at,
      ],
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    const [existing] = await manager.query<Array<{ id: string }>>(
      `SELECT id FROM notifications WHERE company_id = $1 AND idempotency_key = $2`,
      [values.companyId, values.idempotencyKey],
    );
    return { id: existing.id, created: false };
  }

  async insertDeliveries(
    manager: EntityManager,
    companyId: string,
    notificationId: string,
    type: string,
    deliveries: NewDelivery[],
    at: Date,
  ): Promise<Array<{ id: string; channel: NotificationChannelName; status: DeliveryStatus }>> {
    if (deliveries.length === 0) return [];
    return manager.query(
      `INSERT INTO notification_deliveries
         (company_id, notification_id, type, channel, recipient_kind, recipient_id, address, content, status, last_error,
          created_at, updated_at)
       SELECT $1, $2, $3, d.channel, d.recipient_kind, d.recipient_id, d.address, d.content, d.status, d.last_error, $4, $4
         FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[])
              AS d(channel, recipient_kind, recipient_id, address, content, status, last_error)
       ON CONFLICT (notification_id, channel, recipient_kind, recipient_id) DO NOTHING
       RETURNING id, channel, status`,
      [
        companyId,
        notificationId,
        type,
        at,
        deliveries.map((d) => d.channel),
        deliveries.map((d) => d.recipientKind),
        deliveries.map((d) => d.recipientId),
        deliveries.map((d) => d.address),
        deliveries.map((d) => JSON.stringify(d.content)),
        deliveries.map((d) => d.status),
        deliveries.map((d) => d.lastError ?? null),
      ],
    );
  }

  /** Opt-outs of many recipients in one query: `kind:id` → the channels they opted out of. */
  async optedOutChannels(
    companyId: string,
    recipients: Array<{ kind: RecipientKind; id: string }>,
  ): Promise<Map<string, Set<NotificationChannelName>>> {
    const rows = await this.dataSource.query<Array<{ key: string; channel: NotificationChannelName }>>(
      `SELECT p.recipient_kind || ':' || p.recipient_id AS key, p.channel
         FROM notification_preferences p
         JOIN unnest($2::text[], $3::text[]) AS r(kind, id) ON p.recipient_kind = r.kind AND p.recipient_id = r.id
        WHERE p.company_id = $1 AND p.opted_out`,
      [companyId, recipients.map((r) => r.kind), recipients.map((r) => r.id)],
    );
    const byRecipient = new Map<string, Set<NotificationChannelName>>();
    for (const row of rows)
      byRecipient.set(row.key, (byRecipient.get(row.key) ?? new Set()).add(row.channel));
    return byRecipient;
  }

  async setPreference(
    companyId: string,
    kind: RecipientKind,
    id: string,
    channel: NotificationChannelName,
    optedOut: boolean,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notification_preferences (company_id, recipient_kind, recipient_id, channel, opted_out)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (company_id, recipient_kind, recipient_id, channel)
       DO UPDATE SET opted_out = EXCLUDED.opted_out, updated_at = now()`,
      [companyId, kind, id, channel, optedOut],
    );
  }

  /**
   * Takes a queued delivery for sending (attempts + 1). Undefined when it was already sent, failed,
   * suppressed or is being sent by someone else: a retried or replayed job then sends nothing.
   * `takeOver` (the job's previous run was declared stalled by BullMQ: its worker died mid-send) also
   * takes a delivery left `sending`, which no one else would ever finish.
   */
  async claim(
    deliveryId: string,
    manager: EntityManager = this.dataSource.manager,
    { takeOver = false }: { takeOver?: boolean } = {},
  ): Promise<OutgoingDelivery | undefined> {
    const [row] = returnedRows(
      await manager.query<
        Array<{
          id: string;
          company_id: string;
          type: string;
          channel: NotificationChannelName;
          recipient_kind: RecipientKind;
          recipient_id: string;
          address: string | null;
          content: RenderedMessage;
          data: Record<string, unknown>;
          attachments: NotificationAttachment[] | null;
        }>
      >(
        `UPDATE notification_deliveries d
          SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
         FROM notifications n
        WHERE d.id = $1 AND n.id = d.notification_id
          AND (d.status = 'queued'
               OR (d.status = 'sending' AND ($3::boolean OR d.updated_at < now() - make_interval(secs => $2))))
        RETURNING d.id, d.company_id, d.type, d.channel, d.recipient_kind, d.recipient_id, d.address, d.content, n.data,
                  n.attachments`,
        [deliveryId, CLAIM_TIMEOUT_SECONDS, takeOver],
      ),
    );
    if (!row) return undefined;
    return {
      id: row.id,
      companyId: row.company_id,
      type: row.type,
      channel: row.channel,
      recipientKind: row.recipient_kind,
      recipientId: row.recipient_id,
      address: row.address,
      content: row.content,
      data: row.data,
      ...(row.attachments ? { attachments: row.attachments } : {}),
    };
  }

  /** Records the outcome of an attempt: the delivery's status and the attempt log, in one statement. */
  async recordOutcome(
    deliveryId: string,
    outcome: {
      status: 'sent' | 'queued' | 'failed';
      attempt: number;
      durationMs: number;
      providerMessageId?: string | null;
      error?: string;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const error = outcome.error?.slice(0, 1000) ?? null;
    await manager.query(
      `WITH updated AS (
         UPDATE notification_deliveries
            SET status = $2, last_error = $3, updated_at = now(),
                provider_message_id = CASE WHEN $2 = 'sent' THEN $4 ELSE provider_message_id END,
                sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
          WHERE id = $1
          RETURNING company_id, id)
       INSERT INTO notification_delivery_attempts (company_id, delivery_id, attempt, outcome, error, duration_ms)
       SELECT company_id, id, $5, CASE $2 WHEN 'queued' THEN 'retry' ELSE $2 END, $3, $6 FROM updated`,
      [
        deliveryId,
        outcome.status,
        error,
        outcome.providerMessageId ?? null,
        outcome.attempt,
        outcome.durationMs,
      ],
    );
  }

  /** The attempts of many deliveries in one query, by delivery id. */
  async listAttemptsOf(companyId: string, deliveryIds: string[]): Promise<Map<string, AttemptRow[]>> {
    const rows = await this.dataSource.query<Array<AttemptRow & { delivery_id: string }>>(
      `SELECT delivery_id, attempt, outcome, error, duration_ms, attempted_at FROM notification_delivery_attempts
        WHERE company_id = $1 AND delivery_id = ANY ($2::uuid[]) ORDER BY id`,
      [companyId, deliveryIds],
    );
    const byDelivery = new Map<string, AttemptRow[]>();
    for (const { delivery_id: deliveryId, ...attempt } of rows) {
      byDelivery.set(deliveryId, [...(byDelivery.get(deliveryId) ?? []), attempt]);
    }
    return byDelivery;
  }

  listAttempts(companyId: string, deliveryId: string): Promise<AttemptRow[]> {
    return this.dataSource.query<AttemptRow[]>(
      `SELECT attempt, outcome, error, duration_ms, attempted_at FROM notification_delivery_attempts
        WHERE company_id = $1 AND delivery_id = $2 ORDER BY id`,
      [companyId, deliveryId],
    );
  }

  /** A failed delivery becomes queued again (admin retry or webhook replay); false when it was not failed. */
  async requeue(
    manager: EntityManager,
    companyId: string,
    deliveryId: string,
    from: DeliveryStatus[],
  ): Promise<DeliveryRow | undefined> {
    const [row] = returnedRows(
      await manager.query<DeliveryRow[]>(
        `UPDATE notification_deliveries SET status = 'queued', updated_at = now()
          WHERE company_id = $1 AND id = $2 AND status = ANY ($3::text[]) RETURNING ${DELIVERY_COLUMNS}`,
        [companyId, deliveryId, from],
      ),
    );
    return row;
  }

  async findDelivery(companyId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.dataSource.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE company_id = $1 AND id = $2`,
      [companyId, deliveryId],
    );
    return row;
  }

  listDeliveries(
    companyId: string,
    filter: {
      status?: string;
      type?: string;
      recipientKind?: string;
      recipientId?: string;
      channel?: string;
    },
    limit: number,
    after?: KeysetPosition,
  ): Promise<DeliveryRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (column: string, value: unknown): void => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.status) add('status', filter.status);
    if (filter.type) add('type', filter.type);
    if (filter.channel) add('channel', filter.channel);
    if (filter.recipientKind) add('recipient_kind', filter.recipientKind);
    if (filter.recipientId) add('recipient_id', filter.recipientId);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    return this.dataSource.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Idempotent: the same delivery stores one inbox entry however often it is sent. */
  async insertInApp(
    delivery: OutgoingDelivery,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    const [row] = await manager.query<Array<{ id: string }>>(
      `INSERT INTO in_app_notifications (company_id, delivery_id, recipient_kind, recipient_id, type, title, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (delivery_id) DO UPDATE SET delivery_id = EXCLUDED.delivery_id
       RETURNING id`,
      [
        delivery.companyId,
        delivery.id,
        delivery.recipientKind,
        delivery.recipientId,
        delivery.type,
        delivery.content.subject ?? null,
        delivery.content.text,
      ],
    );
    return row.id;
  }

  listInbox(
    companyId: string,
    kind: RecipientKind,
    recipientId: string,
    unreadOnly: boolean,
    limit: number,
    after?: KeysetPosition,
  ): Promise<InboxRow[]> {
    const params: unknown[] = [companyId, kind, recipientId, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (created_at, id) < ($5, $6)';
    }
    return this.dataSource.query<InboxRow[]>(
      `SELECT id, type, title, body, created_at, read_at FROM in_app_notifications
        WHERE company_id = $1 AND recipient_kind = $2 AND recipient_id = $3 ${unreadOnly ? 'AND read_at IS NULL' : ''} ${keyset}
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      params,
    );
  }

  async markRead(
    companyId: string,
    kind: RecipientKind,
    recipientId: string,
    id: string,
  ): Promise<InboxRow | undefined> {
    const [row] = returnedRows(
      await this.dataSource.query<InboxRow[]>(
        `UPDATE in_app_notifications SET read_at = coalesce(read_at, now())
        WHERE company_id = $1 AND recipient_kind = $2 AND recipient_id = $3 AND id = $4
        RETURNING id, type, title, body, created_at, read_at`,
        [companyId, kind, recipientId, id],
      ),
    );
    return row;
  }

  async markAllRead(companyId: string, kind: RecipientKind, recipientId: string): Promise<number> {
    const result = await this.dataSource.query<[unknown, number]>(
      `UPDATE in_app_notifications SET read_at = now()
        WHERE company_id = $1 AND recipient_kind = $2 AND recipient_id = $3 AND read_at IS NULL`,
      [companyId, kind, recipientId],
    );
    return result[1] ?? 0;
  }

  async insertWebhookEndpoint(
    companyId: string,
    url: string,
    secret: string,
    eventTypes: string[],
  ): Promise<WebhookEndpointRow> {
    const [row] = await this.dataSource.query<WebhookEndpointRow[]>(
      `INSERT INTO webhook_endpoints (company_id, url, secret, event_types) VALUES ($1, $2, $3, $4)
       RETURNING id, url, secret, event_types, active, created_at`,
      [companyId, url, secret, eventTypes],
    );
    return row;
  }

  listWebhookEndpoints(companyId: string): Promise<WebhookEndpointRow[]> {
    return this.dataSource.query<WebhookEndpointRow[]>(
      `SELECT id, url, secret, event_types, active, created_at FROM webhook_endpoints
        WHERE company_id = $1 AND active ORDER BY created_at`,
      [companyId],
    );
  }

  async webhookEndpoint(companyId: string, id: string): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.dataSource.query<WebhookEndpointRow[]>(
      `SELECT id, url, secret, event_types, active, created_at FROM webhook_endpoints WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  async deactivateWebhookEndpoint(companyId: string, id: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query<unknown[]>(
        `UPDATE webhook_endpoints SET active = false WHERE company_id = $1 AND id = $2 AND active RETURNING id`,
        [companyId, id],
      ),
    );
    return rows.length > 0;
  }

  endpointsFor(companyId: string, eventType: string): Promise<WebhookEndpointRow[]> {
    return this.dataSource.query<WebhookEndpointRow[]>(
      `SELECT id, url, secret, event_types, active, created_at FROM webhook_endpoints
        WHERE company_id = $1 AND active AND $2 = ANY (event_types)`,
      [companyId, eventType],
    );
  }
}
