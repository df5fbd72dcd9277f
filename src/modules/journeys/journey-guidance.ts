import type { JourneyErrorType, JourneyFlow, JourneyStatus } from './journey.types';

/** What a stage means, how long a run normally stays there, and what support checks when it stays longer. */
export interface StageGuidance {
  /** Short name of the stage, for people. */
  stage: string;
  meaning: string;
  /**
   * The normal time before the next stage follows (seed 000's normal processing times for the bank-account
   * setup); a run whose last event is this one for longer is stuck (the default of `older_than`).
   */
  normalMaxMs: number;
  /** Seed 000 Issue 1 step 2, extended to every stage. */
  check: string;
  /** What to check instead when the stage ended in an error that leaves the run open (retried, queued). */
  checkOnError?: string;
}

/** Seed 000 "Normal Processing Times" (milliseconds). */
export const NORMAL_TIMES_MS = {
  total: { min: 200, max: 500 },
  validation: { min: 50, max: 100 },
  external_validation: { min: 100, max: 200 },
  account_creation: { min: 50, max: 100 },
} as const;

const EXTERNAL_SERVICE_CHECK =
  'Check the external bank validation service status (circuit breaker state, ' +
  'bank_account_setup_duration_seconds{operation="external_validation"}, CUSTOMER_ERROR lines with ' +
  'external_service_error or timeout_error). The request stays queued and completes automatically once the ' +
  'service is back; tell the customer so (external_service_error template).';

/**
 * Stage guidance per flow, keyed by the last event of a run. The bank-account stages and their times are
 * seed 000's; payment and ticket stages follow the same pattern (issue 9 and seed 004 "Payment failed").
 */
export const STAGE_GUIDANCE: Readonly<Record<JourneyFlow, Readonly<Record<string, StageGuidance>>>> = {
  bank_account_setup: {
    message_received: {
      stage: 'Message received',
      meaning: "The customer's bank account setup request was received from the queue",
      normalMaxMs: NORMAL_TIMES_MS.total.max,
      check:
        'Check the bank-account worker is processing: workers running (APP_ROLE worker or all), the queue ' +
        'depth and the job id (fields.job_id) in the worker logs.',
    },
    validation_started: {
      stage: 'Validation started',
      meaning: "The system started validating the customer's bank account information",
      normalMaxMs: NORMAL_TIMES_MS.validation.max,
      check:
        'Check for validation errors: CUSTOMER_ERROR lines for this trace_id. No error and no ' +
        'validation_completed means the worker stopped mid-job: look for a system_error or a crashed worker.',
    },
    validation_completed: {
      stage: 'Validation completed',
      meaning: 'The bank account information passed validation',
      normalMaxMs: NORMAL_TIMES_MS.validation.max,
      check:
        'Validation passed; check the worker went on to the external validation (bank_setup_started): worker ' +
        'logs and system_error lines for this trace_id.',
    },
    validation_failed: {
      stage: 'Validation failed',
      meaning: 'The bank account information failed validation (missing_fields lists what)',
      normalMaxMs: 0,
      check:
        'Nothing is pending: the data was rejected. Read fields.missing_fields and the failed checks, send the ' +
        'validation_error response and ask the customer to correct the routing and account numbers.',
    },
    bank_setup_started: {
      stage: 'Bank setup started',
      meaning: 'The external bank validation service call was initiated',
      normalMaxMs: NORMAL_TIMES_MS.external_validation.max,
      check: EXTERNAL_SERVICE_CHECK,
    },
    external_validation_completed: {
      stage: 'External validation',
      meaning: 'The bank validation service responded',
      normalMaxMs: NORMAL_TIMES_MS.account_creation.max,
      check:
        'The bank validated the account; check the account creation step (account_created): database ' +
        'health and system_error lines for this trace_id.',
      checkOnError: EXTERNAL_SERVICE_CHECK,
    },
    account_created: {
      stage: 'Account created',
      meaning: 'The bank account was set up in our system',
      normalMaxMs: NORMAL_TIMES_MS.account_creation.max,
      check:
        'The account exists (fields.account_id); check the worker finished the job ' +
        '(bank_account_setup_completed) and the job is not stuck in retries.',
    },
    bank_account_setup_completed: {
      stage: 'Process completed',
      meaning: 'The entire bank account setup process finished',
      normalMaxMs: 0,
      check: 'Nothing to check: the setup finished.',
    },
  },
  payment: {
    payment_requested: {
      stage: 'Payment requested',
      meaning: 'The payment intent was created and is about to be sent to the gateway',
      normalMaxMs: 30_000,
      check:
        'Check the payments worker and the gateway adapter: circuit breaker open? ' +
        'payment_gateway_request_duration_seconds outcomes? An intent never sent stays here.',
    },
    payment_initiated: {
      stage: 'Waiting for the customer and the gateway',
      meaning:
        "The gateway sent the payment prompt (STK push); the customer approves it on the phone and we wait for the gateway's callback",
      normalMaxMs: 300_000,
      check:
        'Ask the customer whether the payment prompt appeared on the phone and whether they entered the PIN ' +
        '(the prompt expires after a minute or two; seed 004 "Payment failed"). Check the gateway callback arrived (POST /v1/payments/webhooks/:provider in the logs, signature ' +
        'accepted) and run the reconciliation job, which asks the gateway about intents stuck in processing ' +
        '(callbacks do get lost). Gateway errors go to engineering at once (seed 004).',
      checkOnError:
        'A technical failure is being retried with backoff: check the gateway status and the circuit breaker; ' +
        'the reconciliation job settles the intent once the gateway answers.',
    },
    payment_succeeded: {
      stage: 'Payment succeeded',
      meaning: 'The payment succeeded and was allocated to its invoice(s)',
      normalMaxMs: 0,
      check: 'Nothing to check: the payment succeeded.',
    },
    payment_failed: {
      stage: 'Payment failed',
      meaning: 'The gateway declined or the payment failed (fields carry the error code and message)',
      normalMaxMs: 0,
      check:
        'Read the error code: insufficient funds, wrong PIN or cancelled by the user → ask the customer to ' +
        'try again or use another method; gateway or system errors → engineering immediately (seed 004).',
    },
    payment_canceled: {
      stage: 'Payment canceled',
      meaning: 'The payment was canceled',
      normalMaxMs: 0,
      check: 'Nothing is pending; the customer can start a new payment.',
    },
  },
  ticket_submission: {
    ticket_submitted: {
      stage: 'Ticket submitted',
      meaning: 'A support ticket was submitted by or for the customer',
      normalMaxMs: 0,
      check: 'Nothing is pending in this flow: follow the ticket (fields.ticket_number) in the help desk.',
    },
  },
};

/** For a stage no table above names: how long a run of the flow may stay put, by the stage's status. */
const FLOW_FALLBACK: Readonly<Record<JourneyFlow, { normalMaxMs: number; check: string }>> = {
  bank_account_setup: {
    normalMaxMs: NORMAL_TIMES_MS.total.max,
    check:
      'An unnamed stage: read the timeline for this trace_id and look for CUSTOMER_ERROR lines; the whole ' +
      `setup normally takes ${NORMAL_TIMES_MS.total.min}–${NORMAL_TIMES_MS.total.max} ms.`,
  },
  payment: {
    normalMaxMs: 300_000,
    check:
      'Check the gateway callback arrived (POST /v1/payments/webhooks/:provider) and run the reconciliation ' +
      'job for intents stuck in processing; check the gateway status.',
  },
  ticket_submission: {
    normalMaxMs: 60_000,
    check: 'Read the ticket in the help desk; the submission did not finish.',
  },
};

/** The guidance for a run whose last event is `eventType` with `status`. */
export function guidanceFor(
  flow: JourneyFlow,
  eventType: string,
  status: JourneyStatus = 'processing',
): { stage: string; normalMaxMs: number; check: string } {
  const known = STAGE_GUIDANCE[flow][eventType] as StageGuidance | undefined;
  if (!known) {
    const fallback = FLOW_FALLBACK[flow];
    return { stage: eventType, normalMaxMs: fallback.normalMaxMs, check: fallback.check };
  }
  const check = status === 'error' && known.checkOnError ? known.checkOnError : known.check;
  return { stage: known.stage, normalMaxMs: known.normalMaxMs, check };
}

/** Every (flow, stage) age limit, plus each flow's fallback (`eventType` null), for the stuck query. */
export function stageLimits(): Array<{ flow: JourneyFlow; eventType: string | null; maxMs: number }> {
  const limits: Array<{ flow: JourneyFlow; eventType: string | null; maxMs: number }> = [];
  for (const flow of Object.keys(STAGE_GUIDANCE) as JourneyFlow[]) {
    for (const [eventType, guidance] of Object.entries(STAGE_GUIDANCE[flow])) {
      limits.push({ flow, eventType, maxMs: guidance.normalMaxMs });
    }
    limits.push({ flow, eventType: null, maxMs: FLOW_FALLBACK[flow].normalMaxMs });
  }
  return limits;
}

/** Seed 000's customer-facing responses, verbatim, and one for timeouts in the same voice. */
export const DEFAULT_RESPONSE_TEMPLATES: Readonly<Record<JourneyErrorType, string>> = {
  validation_error:
    'We found an issue with the bank account information you provided. Please verify your routing number ' +
    'and account number are correct and try again.',
  external_service_error:
    "We're experiencing temporary issues with our bank validation service. Your request has been queued and " +
    'will be processed automatically once service is restored.',
  timeout_error:
    'Our bank validation service is taking longer than usual to respond. Your request has been queued and ' +
    'will be retried automatically; you do not need to submit it again.',
  system_error:
    'We encountered a technical issue processing your bank account setup. Our technical team has been ' +
    'notified. Please try again in a few minutes.',
};

/** One of seed 000's "Escalate to Engineering if" rules, as data the alerting issue turns into rules. */
export interface EscalationCriterion {
  id: string;
  /** Seed 000's words. */
  description: string;
  /** What is measured, over which window, against which threshold. */
  measure:
    'customer_error_share' | 'average_processing_ms' | 'external_service_error_share' | 'system_error_count';
  windowSeconds: number;
  /** Escalate when the measure is strictly greater than this. */
  threshold: number;
  /** A PromQL expression over this module's metrics that is true when the criterion fires. */
  promql: string;
}

/** Seed 000 "Escalation Criteria: Escalate to Engineering if". */
export const ESCALATION_CRITERIA: readonly EscalationCriterion[] = [
  {
    id: 'high_error_rate',
    description: 'High Error Rate: More than 10% of customers experiencing errors in last hour',
    measure: 'customer_error_share',
    windowSeconds: 3600,
    threshold: 0.1,
    promql:
      'sum(increase(customer_journey_errors_total[1h])) / sum(increase(customer_journey_events_total{event_type=~"message_received|payment_requested|ticket_submitted"}[1h])) > 0.1',
  },
  {
    id: 'performance_degradation',
    description: 'Performance Degradation: Average processing time > 1000ms',
    measure: 'average_processing_ms',
    windowSeconds: 300,
    threshold: 1000,
    promql:
      'sum(rate(bank_account_setup_duration_seconds_sum{operation="total"}[5m])) / sum(rate(bank_account_setup_duration_seconds_count{operation="total"}[5m])) > 1',
  },
  {
    id: 'external_service_issues',
    description: 'External Service Issues: Bank validation service errors > 5% in last 30 minutes',
    measure: 'external_service_error_share',
    windowSeconds: 1800,
    threshold: 0.05,
    promql:
      'sum(increase(customer_journey_errors_total{flow="bank_account_setup",error_type=~"external_service_error|timeout_error"}[30m])) / sum(increase(customer_journey_events_total{flow="bank_account_setup",event_type="bank_setup_started"}[30m])) > 0.05',
  },
  {
    id: 'system_errors',
    description: 'System Errors: Any system_error type errors',
    measure: 'system_error_count',
    windowSeconds: 300,
    threshold: 0,
    promql: 'sum(increase(customer_journey_errors_total{error_type="system_error"}[5m])) > 0',
  },
];
