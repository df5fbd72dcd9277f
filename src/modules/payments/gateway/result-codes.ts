import type { JourneyEventInput } from '../../journeys/journeys.service';

type JourneyErrorType = NonNullable<JourneyEventInput['errorType']>;

/**
 * Our error classes for payments: seed 000's four, plus `payment_declined` for outcomes the customer
 * caused or must act on (insufficient balance, cancelled, wrong PIN, unreachable, expired).
 */
export const PAYMENT_ERROR_CLASSES = [
  'payment_declined',
  'validation_error',
  'external_service_error',
  'timeout_error',
  'system_error',
] as const;
export type PaymentErrorClass = (typeof PAYMENT_ERROR_CLASSES)[number];

/** How a result is treated: `retry` re-initiates (bounded, with backoff); `final` ends the intent. */
export type RetryPolicy = 'final' | 'retry';

export interface ResultMapping {
  /** The provider's code as text (`"1032"`), or one of ours for transport failures (`gateway_timeout`). */
  errorCode: string;
  errorClass: PaymentErrorClass;
  retry: RetryPolicy;
  /** What the customer (and the support agent) reads. */
  message: string;
}

/**
 * The mobile-money provider's STK result codes (see src/gateway-sim/result-codes.ts for the wire
 * vocabulary) mapped to our classes and retry policy. Business failures are never retried
 * automatically: pushing another PIN prompt at a customer who cancelled, or whose balance is short,
 * is wrong. Technical ones (the provider busy or failing) are.
 */
export const STK_RESULT_CODES: Readonly<Record<number, Omit<ResultMapping, 'errorCode'>>> = {
  1: {
    errorClass: 'payment_declined',
    retry: 'final',
    message: 'The balance is insufficient for the payment',
  },
  1001: {
    errorClass: 'external_service_error',
    retry: 'retry',
    message: 'The provider is busy with another transaction for this subscriber',
  },
  1019: {
    errorClass: 'payment_declined',
    retry: 'final',
    message: 'The payment request expired before it was approved',
  },
  1032: {
    errorClass: 'payment_declined',
    retry: 'final',
    message: 'The customer cancelled the payment request',
  },
  1037: {
    errorClass: 'payment_declined',
    retry: 'final',
    message: 'The customer could not be reached on their phone',
  },
  2001: { errorClass: 'payment_declined', retry: 'final', message: 'The PIN entered was wrong' },
  9999: {
    errorClass: 'external_service_error',
    retry: 'retry',
    message: 'The provider had a system error',
  },
};

export const STK_SUCCESS = 0;

/** The mapping of a result code other than success; a code we do not know is a final system error. */
export function mapResultCode(code: number): ResultMapping {
  const known = STK_RESULT_CODES[code];
  if (known) return { errorCode: String(code), ...known };
  return {
    errorCode: String(code),
    errorClass: 'system_error',
    retry: 'final',
    message: `The provider answered an unknown result code ${code}`,
  };
}

/** Transport failures of a gateway call, after the adapter's own retries gave up. */
export type TransportFailure =
  'timeout' | 'server_error' | 'connection_error' | 'circuit_open' | 'client_error';

export function mapTransportFailure(failure: TransportFailure): ResultMapping {
  switch (failure) {
    case 'timeout':
      return {
        errorCode: 'gateway_timeout',
        errorClass: 'timeout_error',
        retry: 'final',
        message: 'The payment provider did not answer in time',
      };
    case 'server_error':
      return {
        errorCode: 'gateway_unavailable',
        errorClass: 'external_service_error',
        retry: 'final',
        message: 'The payment provider is failing',
      };
    case 'connection_error':
      return {
        errorCode: 'gateway_unreachable',
        errorClass: 'external_service_error',
        retry: 'final',
        message: 'The payment provider could not be reached',
      };
    case 'circuit_open':
      return {
        errorCode: 'gateway_circuit_open',
        errorClass: 'external_service_error',
        retry: 'final',
        message: 'The payment provider is failing; payments are paused briefly',
      };
    case 'client_error':
      return {
        errorCode: 'gateway_rejected',
        errorClass: 'validation_error',
        retry: 'final',
        message: 'The payment provider refused the request',
      };
  }
}

/**
 * Seed 000's journey error types have no business class: a declined payment is reported to the journey
 * as a `validation_error` (the customer's details or funds, not our systems), with the precise class in
 * the event's fields.
 */
export function journeyErrorType(errorClass: PaymentErrorClass): JourneyErrorType {
  return errorClass === 'payment_declined' ? 'validation_error' : errorClass;
}

/** How long to wait before re-initiating after a retryable result (attempt = the attempt that failed). */
export function retryDelayMs(attempt: number, baseMs = 500, maxMs = 5_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Gateway attempts per intent (initiations, each itself retried in the adapter on transport errors). */
export const MAX_INITIATIONS = 3;
