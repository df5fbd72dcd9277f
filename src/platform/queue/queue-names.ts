/** Every BullMQ queue of the service, in one place. Modules add theirs here. */
export const QUEUES = {
  /** Durable subscribers of domain events that declare no queue of their own. */
  events: 'domain-events',
  /** Scheduled tasks: one job per tick, whatever the number of worker replicas. */
  scheduler: 'scheduled-tasks',
  /** One job per notification delivery (notification × channel × recipient). */
  notifications: 'notifications',
  /** Statement documents (PDF/CSV), one job per statement. */
  statements: 'statements',
  /** Customer file imports and large exports, one job per file. */
  customerFiles: 'customer-files',
  /** Payment intents: gateway calls, callbacks, reconciliation. */
  payments: 'payments',
  /** Bank-account setups (seed 000's journey), one job per request. */
  bankAccounts: 'bank-accounts',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
