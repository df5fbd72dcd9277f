import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { CustomersService } from '../customers/customers.service';
import { StaffService } from '../staff/staff.service';
import { toE164 } from './channels/sms.channel';
import { NewDelivery, NotificationsRepository } from './notifications.repository';
import { NotificationsMetrics } from './notifications.metrics';
import type {
  NotificationAttachment,
  NotificationChannelName,
  Recipient,
  RenderedMessage,
  RoleRecipient,
  Severity,
} from './notification.types';
import { TemplateRenderer } from './template-renderer';
import './notifications.events';

export interface NotificationRequest {
  companyId: string;
  /** A folder of templates/notifications. */
  type: string;
  /** Critical notices (security, critical maintenance) ignore opt-outs. */
  severity?: Severity;
  /** Same key, same company: the request is answered once (a retried job or replay adds nothing). */
  idempotencyKey: string;
  data: Record<string, unknown>;
  recipients: Array<Recipient | RoleRecipient>;
  /** Files attached to the email deliveries (other channels ignore them), kept in ObjectStorage. */
  attachments?: NotificationAttachment[];
}

export interface WebhookRequest {
  companyId: string;
  eventType: string;
  idempotencyKey: string;
  endpoints: Array<{ id: string; url: string }>;
  body: Record<string, unknown>;
}

export interface RequestedDelivery {
  id: string;
  channel: NotificationChannelName;
  status: string;
}

/**
 * The one way to tell someone something. Other modules call `request` (or publish an event this module
 * reacts to); nothing else sends mail, SMS or webhooks. Rendering happens here, at request time, so bad
 * data fails the request instead of the delivery; each queued delivery goes out as its own durable job.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly templates: TemplateRenderer,
    private readonly customers: CustomersService,
    private readonly staff: StaffService,
    private readonly events: EventBus,
    private readonly metrics: NotificationsMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(NotificationsService.name);
  }

  async request(
    input: NotificationRequest,
    manager?: EntityManager,
  ): Promise<{ notificationId: string; deliveries: RequestedDelivery[] }> {
    if (!this.templates.hasType(input.type)) {
      throw new DomainException(
        'unprocessable',
        'notification-type-unknown',
        `There is no notification type ${input.type}`,
        [{ field: 'type', message: 'no templates exist for this type' }],
      );
    }
    const severity = input.severity ?? 'normal';
    const recipients = await this.expandStaff(input.companyId, input.recipients);
    const optOuts = await this.repository.optedOutChannels(input.companyId, recipients);
    const planned: NewDelivery[] = [];
    for (const recipient of recipients) {
      const optedOut = optOuts.get(`${recipient.kind}:${recipient.id}`) ?? new Set<NotificationChannelName>();
      planned.push(...(await this.plan(input, recipient, severity, optedOut)));
    }
    return this.store(
      input.companyId,
      input.type,
      severity,
      input.idempotencyKey,
      input.data,
      planned,
      manager,
      input.attachments,
    );
  }

  /**
   * The newest `limit` deliveries addressed to a customer, newest first (the support console). Rows carry
   * the address: callers show what they need, never the rendered content.
   */
  async recentDeliveriesToCustomer(companyId: string, customerId: string, limit: number) {
    const rows = await this.repository.listDeliveries(
      companyId,
      { recipientKind: 'customer', recipientId: customerId },
      limit,
    );
    return rows.slice(0, limit);
  }

  /** Webhook deliveries of one domain event to the company's subscribed endpoints. */
  requestWebhooks(input: WebhookRequest, manager?: EntityManager) {
    const planned: NewDelivery[] = input.endpoints.map((endpoint) => ({
      channel: 'webhook',
      recipientKind: 'webhook',
      recipientId: endpoint.id,
      address: endpoint.url,
      content: { text: JSON.stringify(input.body) },
      status: 'queued',
    }));
    return this.store(
      input.companyId,
      input.eventType,
      'normal',
      input.idempotencyKey,
      input.body,
      planned,
      manager,
    );
  }

  private async store(
    companyId: string,
    type: string,
    severity: Severity,
    idempotencyKey: string,
    data: Record<string, unknown>,
    planned: NewDelivery[],
    manager?: EntityManager,
    attachments?: NotificationAttachment[],
  ) {
    const work = async (tx: EntityManager) => {
      const now = this.clock.now();
      const notification = await this.repository.insertNotification(tx, {
        companyId,
        type,
        severity,
        idempotencyKey,
        data,
        attachments: attachments?.length ? attachments : null,
        at: now,
      });
      if (!notification.created)
        return { notificationId: notification.id, deliveries: [] as RequestedDelivery[] };
      const deliveries = await this.repository.insertDeliveries(
        tx,
        companyId,
        notification.id,
        type,
        planned,
        now,
      );
      const queued = deliveries.filter((delivery) => delivery.status === 'queued');
      await this.events.publish(
        tx,
        ...queued.map((delivery) => ({
          type: 'NotificationDeliveryQueued' as const,
          companyId,
          metadata: { delivery_id: delivery.id, channel: delivery.channel, type },
        })),
      );
      return { notificationId: notification.id, deliveries };
    };
    const result = manager ? await work(manager) : await this.repository.transaction(work);
    for (const delivery of result.deliveries) {
      if (delivery.status === 'suppressed' || delivery.status === 'failed') {
        this.metrics.outcome(delivery.channel, type, delivery.status);
      }
    }
    this.logger.info(
      {
        operation: 'notification.request',
        company_id: companyId,
        notification_id: result.notificationId,
        type,
        severity,
        deliveries: result.deliveries.length,
      },
      'Notification requested',
    );
    return result;
  }

  /**
   * Role recipients become the staff members holding the role (in the department, if given); staff
   * users get the email and phone of their directory entry unless the request gave them. One query.
   */
  private async expandStaff(
    companyId: string,
    recipients: Array<Recipient | RoleRecipient>,
  ): Promise<Recipient[]> {
    const userIds = recipients.flatMap((r) => (r.kind === 'user' ? [r.id] : []));
    const directory = new Map(
      (userIds.length ? await this.staff.find(companyId, { userIds }) : []).map((m) => [m.user_id, m]),
    );
    const expanded = new Map<string, Recipient>();
    for (const recipient of recipients) {
      if (recipient.kind === 'customer') {
        expanded.set(`customer:${recipient.id}`, recipient);
      } else if (recipient.kind === 'user') {
        const member = directory.get(recipient.id);
        expanded.set(`user:${recipient.id}`, {
          ...recipient,
          email: recipient.email ?? member?.email ?? undefined,
          phone: recipient.phone ?? member?.phone ?? undefined,
        });
      } else {
        const members = await this.staff.find(companyId, {
          role: recipient.role,
          department: recipient.department,
        });
        for (const member of members) {
          if (expanded.has(`user:${member.user_id}`)) continue;
          expanded.set(`user:${member.user_id}`, {
            kind: 'user',
            id: member.user_id,
            email: member.email ?? undefined,
            phone: member.phone ?? undefined,
            channels: recipient.channels,
          });
        }
      }
    }
    return [...expanded.values()];
  }

  /** The deliveries one recipient gets: its channels, each rendered, suppressed if opted out. */
  private async plan(
    input: NotificationRequest,
    recipient: Recipient,
    severity: Severity,
    optedOut: Set<NotificationChannelName>,
  ): Promise<NewDelivery[]> {
    const target = await this.resolve(input.companyId, recipient);
    const deliveries: NewDelivery[] = [];
    for (const channel of target.channels) {
      if (!this.templates.supports(input.type, channel)) continue;
      const content: RenderedMessage = this.templates.render(input.type, channel, {
        ...target.variables,
        ...input.data,
      });
      const address = channel === 'email' ? target.email : channel === 'sms' ? target.phone : null;
      const base = { channel, recipientKind: recipient.kind, recipientId: recipient.id, address, content };
      if (optedOut.has(channel) && severity !== 'critical') {
        deliveries.push({ ...base, status: 'suppressed', lastError: 'recipient opted out of this channel' });
      } else if (channel === 'sms' && (!address || !toE164(address))) {
        deliveries.push({ ...base, status: 'failed', lastError: 'invalid phone number' });
      } else {
        deliveries.push({ ...base, status: 'queued' });
      }
    }
    return deliveries;
  }

  private async resolve(companyId: string, recipient: Recipient) {
    if (recipient.kind === 'customer') {
      const points = await this.customers.contactPoints(companyId, recipient.id);
      if (!points) throw DomainException.notFound('Customer');
      const available: NotificationChannelName[] = ['in_app'];
      if (points.email) available.push('email');
      if (points.phone) available.push('sms');
      return {
        channels: recipient.channels ?? available,
        email: points.email,
        phone: points.phone,
        variables: { customer_name: points.name, customer_number: points.customerNumber },
      };
    }
    const available: NotificationChannelName[] = ['in_app'];
    if (recipient.email) available.push('email');
    if (recipient.phone) available.push('sms');
    return {
      channels: recipient.channels ?? available,
      email: recipient.email ?? null,
      phone: recipient.phone ?? null,
      variables: {},
    };
  }
}
