import type { JourneyErrorType, JourneyEventInput, JourneyFlow } from './journey.types';

/**
 * The events after which a run of a flow is over, whatever comes after them in time. Besides these, an
 * event named `<flow>_completed|_succeeded|_failed|_canceled|_cancelled` ends its flow (so a flow that
 * adds a final event with that shape needs no change here).
 */
export const TERMINAL_EVENT_TYPES: Readonly<Record<JourneyFlow, readonly string[]>> = {
  bank_account_setup: ['bank_account_setup_completed', 'validation_failed'],
  payment: ['payment_succeeded', 'payment_failed', 'payment_canceled', 'payment_cancelled'],
  ticket_submission: ['ticket_submitted'],
};

const FINAL_SUFFIXES = ['_completed', '_succeeded', '_failed', '_canceled', '_cancelled'];

/**
 * Error classes after which nothing more happens on its own: the customer must correct the data
 * (validation_error) or try again (system_error, seed 000's template says so). An external_service_error
 * or timeout_error is NOT terminal by default: seed 000 promises the request "has been queued and will be
 * processed automatically once service is restored", so a run left there is exactly what "stuck" shows.
 */
export const TERMINAL_ERROR_TYPES: readonly JourneyErrorType[] = ['validation_error', 'system_error'];

/**
 * Whether an event ends its run of the flow:
 * 1. `terminal` when the caller says so (true or false);
 * 2. one of the flow's terminal event names, or `<flow>_completed` and the like;
 * 3. an error whose class is terminal (validation_error, system_error), or an error without a class.
 * `validation_completed` or `external_validation_completed` with status success are not terminal: later
 * stages follow them.
 */
export function isTerminalEvent(
  event: Pick<JourneyEventInput, 'flow' | 'eventType' | 'status' | 'errorType' | 'terminal'>,
): boolean {
  if (event.terminal !== undefined) return event.terminal;
  if (TERMINAL_EVENT_TYPES[event.flow].includes(event.eventType)) return true;
  if (FINAL_SUFFIXES.some((suffix) => event.eventType === `${event.flow}${suffix}`)) return true;
  if (event.status !== 'error') return false;
  return !event.errorType || TERMINAL_ERROR_TYPES.includes(event.errorType);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/**
 * `5m`, `1h`, `30s`, `250ms`, `2d`, or a bare number of seconds (`300`) → milliseconds; null when the
 * text is none of these (or zero or negative).
 */
export function parseDurationMs(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

/** An ISO 8601 time with a date, a time and an offset (a time without one means different instants). */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * `since`: a duration back from `now` (`1h`, `30m`, or seconds), or an ISO 8601 time with an offset;
 * null when it is neither or lies in the future.
 */
export function parseSince(text: string, now: Date): Date | null {
  const trimmed = text.trim();
  const ms = parseDurationMs(trimmed);
  if (ms !== null) return new Date(now.getTime() - ms);
  if (!ISO_WITH_OFFSET.test(trimmed)) return null;
  const at = new Date(trimmed);
  return Number.isNaN(at.getTime()) || at.getTime() > now.getTime() ? null : at;
}
