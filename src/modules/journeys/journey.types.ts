/** Customer journeys (seed 000): the flows whose stages support staff follow. */
export const JOURNEY_FLOWS = ['bank_account_setup', 'payment', 'ticket_submission'] as const;
export type JourneyFlow = (typeof JOURNEY_FLOWS)[number];

export const JOURNEY_STATUSES = ['processing', 'success', 'error'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** Seed 000's error classes; each has a customer-facing response template. */
export const JOURNEY_ERROR_TYPES = [
  'validation_error',
  'external_service_error',
  'timeout_error',
  'system_error',
] as const;
export type JourneyErrorType = (typeof JOURNEY_ERROR_TYPES)[number];

/** One stage of one customer's journey, as the flow that reached it reports it. */
export interface JourneyEventInput {
  companyId: string;
  customerId: string;
  flow: JourneyFlow;
  /** Joins the events of one run of a flow (one bank-account setup, one payment). */
  traceId: string;
  /** Seed 000's names for the bank-account setup (`message_received` … `bank_account_setup_completed`). */
  eventType: string;
  status: JourneyStatus;
  errorType?: JourneyErrorType | null;
  /** Also logged as a CUSTOMER_METRIC line with `operation` when given. */
  durationMs?: number | null;
  /** The operation a duration measures (`validation`, `external_validation`, `account_creation`, `total`). */
  operation?: string | null;
  /** The stage's key fields (seed 000). Never full account numbers or other secrets: mask them first. */
  fields?: Record<string, unknown>;
  /** When the stage happened; the injected clock's now when absent. */
  occurredAt?: Date;
  /**
   * Whether this event ends the run of the flow (it then never counts as stuck). When absent the rule in
   * `isTerminalEvent` (journey-rules.ts) decides: the flow's terminal event names, or an error the
   * customer has to act on (validation_error, system_error).
   */
  terminal?: boolean;
}
