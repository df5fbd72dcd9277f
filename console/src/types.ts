/** The shapes of the console API (docs/console.md, issue 13's contract). snake_case, as the API speaks. */

export type MatchedBy =
  'customer_number' | 'name' | 'email' | 'phone' | 'ticket_number' | 'payment_id' | 'session_id';

export interface Hit {
  customer_id: string;
  customer_number: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
  matched_by: MatchedBy;
}

export interface JourneyEvent {
  id: string;
  flow: string;
  stage: string;
  stage_name: string;
  status: string;
  error_type: string | null;
  duration_ms: number | null;
  normal_max_ms: number | null;
  occurred_at: string;
  response_text: string | null;
}

export interface Stuck {
  stage: string;
  stage_name: string;
  since: string;
  stuck_for_ms: number;
  normal_max_ms: number;
  /** What support checks at this stage (seed 000); a list, though a single string is accepted. */
  check: string[] | string;
}

export interface Aging {
  current: number;
  d1_30: number;
  d31_60: number;
  d61_90: number;
  d90_plus: number;
}

export interface Credit {
  currency: string;
  /** null: no credit limit set. */
  limit_minor: number | null;
  exposure_minor: number;
  available_minor: number | null;
  utilisation: number | null;
  aging: Aging;
}

export interface Ticket {
  id: string;
  number: string;
  subject: string;
  status: string;
  priority: string;
  escalation_level: number;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  breached: boolean;
  created_at: string;
}

export interface Payment {
  id: string;
  amount_minor: number;
  currency: string;
  status: string;
  error_code: string | null;
  error_class: string | null;
  created_at: string;
}

export interface Session {
  id: string;
  package_name: string;
  status: string;
  started_at: string | null;
  expires_at: string | null;
  bytes_in: number;
  bytes_out: number;
  data_cap_bytes: number | null;
}

export interface NotificationDelivery {
  delivery_id: string;
  template: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface BankAccountRequest {
  request_id: string;
  status: string;
  bank_name?: string | null;
  account_last4: string | null;
  created_at: string;
  error_type: string | null;
}

export interface AuditEntry {
  at: string;
  actor: string | null;
  action: string;
  summary: string | null;
}

export interface Permissions {
  comment: boolean;
  retry_notification: boolean;
  rerun_bank_setup: boolean;
  change_status: boolean;
}

export interface CustomerDocument {
  customer: {
    id: string;
    customer_number: string;
    name: string;
    email: string | null;
    phone: string | null;
    status: string;
    created_at: string;
    tags?: string[];
  };
  credit: Credit | null;
  journey: { events: JourneyEvent[]; stuck: Stuck | null };
  tickets: Ticket[];
  payments: Payment[];
  sessions: Session[];
  notifications: NotificationDelivery[];
  bank_accounts: BankAccountRequest[];
  audit: AuditEntry[];
  permissions: Permissions;
}

export interface StuckGroup {
  flow: string;
  stage: string;
  stage_name: string;
  normal_max_ms: number;
  check: string[] | string;
  customers: Array<{
    customer_id: string;
    customer_number: string;
    name: string;
    since: string;
    stuck_for_ms: number;
    error_type: string | null;
  }>;
}

export interface TicketComment {
  id: string;
  author_kind: string;
  author_id: string | null;
  body: string;
  internal: boolean;
  created_at: string;
}

export interface Me {
  user_id: string;
  company_id: string;
  roles: string[];
  customer_id: string | null;
  company: { id: string; name: string } | null;
}

/** RFC 9457 problem details, as every API error answers. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  correlation_id?: string;
  errors?: Array<{ field: string; message: string }>;
}
