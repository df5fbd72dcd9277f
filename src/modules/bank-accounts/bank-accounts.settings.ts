import { Injectable } from '@nestjs/common';

/**
 * Tuning of the setup worker and its external validation, with production defaults. Not environment
 * variables: operators have no reason to change them; tests shrink them (`app.get(BankAccountsSettings)`)
 * before the first request, so a retry or a half-open circuit takes milliseconds instead of minutes.
 */
@Injectable()
export class BankAccountsSettings {
  /** First wait before a request whose validation service was unavailable is tried again. */
  retryBaseDelayMs = 5_000;
  /** The wait doubles per attempt up to this; attempts never run out (seed 000: it completes once the service is back). */
  retryMaxDelayMs = 5 * 60_000;
  /** One call to the validation service (a timeout is `timeout_error`). */
  externalTimeoutMs = 2_000;
  /** Consecutive technical failures that open the circuit. */
  breakerThreshold = 5;
  /** How long an open circuit fails calls at once before one trial call is let through. */
  breakerHalfOpenAfterMs = 10_000;
  /**
   * A request still open (queued, processing, waiting for the validation service) with no change for
   * longer than this is stuck, and support may re-run it (POST /v1/bank-accounts/requests/:id/retry).
   * Seed 000: the whole setup normally takes 200–500 ms.
   */
  stuckAfterMs = 500;
  /** Below this score (or `valid: false`) the account is refused (`validation_error`, terminal). */
  minValidationScore = 0.5;

  /** Delay before retry number `retry` (1, 2, …): base × 2^(retry−1), capped. */
  retryDelayMs(retry: number): number {
    return Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** Math.min(Math.max(retry - 1, 0), 30));
  }
}
