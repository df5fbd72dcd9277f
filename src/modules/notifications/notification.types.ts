export const CHANNELS = ['email', 'sms', 'in_app', 'webhook'] as const;
export type NotificationChannelName = (typeof CHANNELS)[number];

export const RECIPIENT_KINDS = ['customer', 'user', 'webhook'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

export const SEVERITIES = ['normal', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One person a notification is for; customers' and staff's addresses come from their directories. */
export type Recipient =
  | { kind: 'customer'; id: string; channels?: NotificationChannelName[] }
  | { kind: 'user'; id: string; email?: string; phone?: string; channels?: NotificationChannelName[] };

/** Everyone with a staff role, optionally within one department (e.g. managers of billing). */
export interface RoleRecipient {
  kind: 'role';
  role: string;
  department?: string;
  channels?: NotificationChannelName[];
}

/** What a channel sends: already rendered when the notification was requested. */
export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
}

/**
 * A file sent with an email, read from object storage when the email goes out (never copied into the
 * notification): the requester stored it under `storage_key` and keeps it there.
 */
export interface NotificationAttachment {
  filename: string;
  content_type: string;
  storage_key: string;
}

export interface OutgoingDelivery {
  id: string;
  companyId: string;
  type: string;
  channel: NotificationChannelName;
  recipientKind: RecipientKind;
  recipientId: string;
  address: string | null;
  content: RenderedMessage;
  data: Record<string, unknown>;
  /** The notification's attachments; only the email channel sends them. */
  attachments?: NotificationAttachment[];
}

export interface SendResult {
  providerMessageId: string | null;
}
