import { Injectable } from '@nestjs/common';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  IPolicy,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { AppConfig } from '../../../platform/config/app-config';
import { GatewayOutcome, PaymentsMetrics } from '../payments.metrics';
import { classifyGatewayError, GatewayHttpError, isResendable, isTransient } from './gateway-errors';
import {
  GatewayCallError,
  GatewayStatus,
  InitiateInput,
  InitiateResult,
  PaymentGateway,
} from './payment-gateway';

export const MOBILE_MONEY_PROVIDER = 'mobile_money';

/** Retries of one call after its first attempt (so at most 3 requests per call). */
export const GATEWAY_RETRIES = 2;
/** Consecutive failed attempts that open the circuit. */
export const BREAKER_THRESHOLD = 5;

/** How long the circuit stays open before one probe: six call timeouts, between 1 s and 30 s. */
export function halfOpenAfterMs(timeoutMs: number): number {
  return Math.min(30_000, Math.max(1_000, timeoutMs * 6));
}

/**
 * The mobile-money STK-push provider over HTTP (the simulator's Daraja-like API). Every call runs
 * through one policy: retry(breaker(timeout(request))).
 * - timeout: PAYMENT_GATEWAY_TIMEOUT_MS per attempt; the request is aborted.
 * - retry: on 5xx, timeouts and connection errors only, with exponential backoff (jittered, 100 ms up to
 *   1 s), GATEWAY_RETRIES times. Never on 4xx, never on an open circuit, never on a business result
 *   (those come in callbacks and are the caller's decision), and never a push that timed out: the
 *   provider may have accepted it (see isResendable); a status query that timed out is retried.
 * - circuit breaker: BREAKER_THRESHOLD consecutive transient failures open it; while open, calls fail at
 *   once without a request; after halfOpenAfterMs one probe goes through and closes it on success.
 * One breaker per provider and process (replicas each keep their own).
 */
@Injectable()
export class MobileMoneyGateway implements PaymentGateway {
  readonly provider = MOBILE_MONEY_PROVIDER;
  /** For idempotent calls (status). */
  private readonly policy: IPolicy;
  /** For the STK push, which is re-sent only when the provider cannot have acted on it. */
  private readonly pushPolicy: IPolicy;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: PaymentsMetrics,
  ) {
    const transient = handleWhen(isTransient);
    const backoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 });
    // One breaker and one timeout for both: the circuit is the provider's, whatever the call.
    const breaker = circuitBreaker(transient, {
      halfOpenAfter: halfOpenAfterMs(config.PAYMENT_GATEWAY_TIMEOUT_MS),
      breaker: new ConsecutiveBreaker(BREAKER_THRESHOLD),
    });
    const deadline = timeout(config.PAYMENT_GATEWAY_TIMEOUT_MS, TimeoutStrategy.Aggressive);
    this.policy = wrap(retry(transient, { maxAttempts: GATEWAY_RETRIES, backoff }), breaker, deadline);
    this.pushPolicy = wrap(
      retry(handleWhen(isResendable), { maxAttempts: GATEWAY_RETRIES, backoff }),
      breaker,
      deadline,
    );
  }

  async initiate(input: InitiateInput): Promise<InitiateResult> {
    const body = await this.call('initiate', 'POST', '/stk/initiate', {
      reference: input.reference,
      phone: input.phone,
      amount_minor: input.amountMinor,
      currency: input.currency,
      callback_url: input.callbackUrl,
    });
    const id = (body as { checkout_request_id?: unknown }).checkout_request_id;
    if (typeof id !== 'string' || id.length === 0) {
      throw new GatewayCallError('server_error', 'The gateway accepted without a checkout_request_id');
    }
    return { checkoutRequestId: id };
  }

  async status(checkoutRequestId: string): Promise<GatewayStatus> {
    let body: Record<string, unknown>;
    try {
      body = await this.call('status', 'GET', `/stk/status/${encodeURIComponent(checkoutRequestId)}`);
    } catch (error) {
      if (error instanceof GatewayCallError && error.httpStatus === 404) return { state: 'unknown' };
      throw error;
    }
    if (body.status !== 'completed') return { state: 'pending' };
    return {
      state: 'completed',
      resultCode: Number(body.result_code),
      resultDesc: typeof body.result_desc === 'string' ? body.result_desc : '',
      providerReference: typeof body.provider_reference === 'string' ? body.provider_reference : null,
    };
  }

  private async call(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    payload?: unknown,
  ): Promise<Record<string, unknown>> {
    const url = `${this.config.PAYMENT_GATEWAY_URL.replace(/\/$/, '')}${path}`;
    const policy = operation === 'initiate' ? this.pushPolicy : this.policy;
    try {
      return await policy.execute(async ({ signal }) => {
        const started = performance.now();
        let outcome: GatewayOutcome = 'success';
        try {
          const response = await fetch(url, {
            method,
            headers: payload === undefined ? {} : { 'content-type': 'application/json' },
            body: payload === undefined ? undefined : JSON.stringify(payload),
            signal,
          });
          const text = await response.text();
          if (!response.ok)
            throw new GatewayHttpError(response.status, `${operation} answered ${response.status}`);
          return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
        } catch (error) {
          outcome = signal.aborted ? 'timeout' : classifyGatewayError(error);
          throw error;
        } finally {
          this.metrics.gatewayCall(this.provider, operation, outcome, (performance.now() - started) / 1000);
        }
      });
    } catch (error) {
      const failure = classifyGatewayError(error);
      if (failure === 'circuit_open') this.metrics.gatewayCall(this.provider, operation, 'circuit_open', 0);
      throw new GatewayCallError(
        failure,
        error instanceof Error ? error.message : String(error),
        error instanceof GatewayHttpError ? error.status : undefined,
      );
    }
  }
}
