import { Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitBreakerPolicy,
  ConsecutiveBreaker,
  handleWhen,
  IsolatedCircuitError,
  TaskCancelledError,
  timeout,
  TimeoutPolicy,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { AppConfig } from '../../platform/config/app-config';
import type { AccountType } from './bank-account-validation';
import { BankAccountsSettings } from './bank-accounts.settings';

/** What the validation service is told: never the full account number. */
export interface BankValidationRequest {
  routingNumber: string;
  accountNumberLast4: string;
  accountType: AccountType;
}

export interface BankValidationResult {
  validationScore: number;
  valid: boolean;
}

/** Seed 000's technical error classes of stage 5. (A low score is an answer, not an error.) */
export type BankValidationErrorType = 'external_service_error' | 'timeout_error' | 'system_error';

export class BankValidationError extends Error {
  constructor(
    readonly errorType: BankValidationErrorType,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BankValidationError';
  }

  /** The service may answer later: the request waits and is tried again. */
  get retriable(): boolean {
    return this.errorType !== 'system_error';
  }
}

/** The external bank-account validation service (seed 000 stage 5), behind a port. */
export abstract class BankValidationAdapter {
  /** The service's name, as the journey's `service` field shows it. */
  abstract readonly service: string;
  /** Resolves with the service's answer, or throws a BankValidationError. */
  abstract validate(request: BankValidationRequest): Promise<BankValidationResult>;
}

/**
 * `POST {BANK_VALIDATION_URL}/bank/validate` (the gateway simulator's contract): a timeout per call
 * and a circuit breaker (consecutive technical failures open it; while open, calls fail at once as
 * `external_service_error` without touching the service). No retry here: the worker retries the whole
 * request later, with a growing delay, so a long outage costs no held connections or busy workers.
 */
@Injectable()
export class HttpBankValidationAdapter extends BankValidationAdapter {
  readonly service = 'bank-validation';
  private policy?: { breaker: CircuitBreakerPolicy; timeout: TimeoutPolicy };

  constructor(
    private readonly config: AppConfig,
    private readonly settings: BankAccountsSettings,
  ) {
    super();
  }

  async validate(request: BankValidationRequest): Promise<BankValidationResult> {
    const { breaker, timeout: limit } = this.policies();
    try {
      return await wrap(breaker, limit).execute(({ signal }) => this.call(request, signal));
    } catch (error) {
      throw classify(error);
    }
  }

  /** Built on first use, so settings changed after boot (tests) apply. */
  private policies() {
    this.policy ??= {
      breaker: circuitBreaker(
        handleWhen(
          (error) =>
            error instanceof TaskCancelledError ||
            (error instanceof BankValidationError && error.errorType === 'external_service_error'),
        ),
        {
          halfOpenAfter: this.settings.breakerHalfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.settings.breakerThreshold),
        },
      ),
      timeout: timeout(this.settings.externalTimeoutMs, TimeoutStrategy.Aggressive),
    };
    return this.policy;
  }

  private async call(request: BankValidationRequest, signal: AbortSignal): Promise<BankValidationResult> {
    let response: Response;
    try {
      response = await fetch(new URL('/bank/validate', this.config.BANK_VALIDATION_URL), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          routing_number: request.routingNumber,
          account_number_last4: request.accountNumberLast4,
          account_type: request.accountType,
        }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error; // the timeout policy turns this into TaskCancelledError
      // Connection refused or reset, DNS: the service is not there.
      throw new BankValidationError(
        'external_service_error',
        `validation service unreachable: ${causeOf(error)}`,
      );
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new BankValidationError(
        'external_service_error',
        `validation service answered ${response.status}`,
        response.status,
      );
    }
    if (!response.ok) {
      // 4xx: we sent something the service does not accept. Ours to fix, not the customer's.
      const text = (await response.text()).slice(0, 200);
      throw new BankValidationError(
        'system_error',
        `validation service refused the request (${response.status}): ${text}`,
        response.status,
      );
    }
    const body = (await response.json()) as { validation_score?: unknown; valid?: unknown };
    if (typeof body.validation_score !== 'number' || typeof body.valid !== 'boolean') {
      throw new BankValidationError('system_error', 'validation service answered an unexpected body');
    }
    return { validationScore: body.validation_score, valid: body.valid };
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function classify(error: unknown): BankValidationError {
  if (error instanceof BankValidationError) return error;
  if (error instanceof TaskCancelledError) {
    return new BankValidationError('timeout_error', 'validation service did not answer in time');
  }
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new BankValidationError('external_service_error', 'validation service circuit is open');
  }
  return new BankValidationError('system_error', `validation call failed: ${(error as Error).message}`);
}
