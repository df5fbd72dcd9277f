import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import { DomainException } from '../../platform/http/domain-exception';
import {
  GATEWAY_SIGNATURE_HEADER,
  GATEWAY_TIMESTAMP_HEADER,
  verifyGatewaySignature,
} from '../../platform/http/hmac-signature';
import { PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway';
import { ApplyOutcome, GatewayResult, PaymentResults } from './payment-results';
import { PaymentRow, PaymentsRepository } from './payments.repository';

interface CallbackBody {
  checkout_request_id: string;
  reference?: string;
  result_code: number;
  result_desc?: string;
  provider_reference?: string;
  amount_minor?: number;
  currency?: string;
}

export interface CallbackAnswer {
  status: 'ok';
  /** `early`: kept until the push it answers is recorded, which then applies it. */
  outcome: ApplyOutcome | 'replayed' | 'early';
}

function resultOf(body: CallbackBody): GatewayResult {
  return {
    resultCode: body.result_code,
    resultDesc: body.result_desc ?? '',
    providerReference: body.provider_reference ?? null,
    amountMinor: body.amount_minor,
    currency: body.currency,
  };
}

function parseCallback(raw: Buffer): CallbackBody | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.checkout_request_id !== 'string' || typeof b.result_code !== 'number') return undefined;
  return b as unknown as CallbackBody;
}

/**
 * Verified, replay-safe gateway callbacks. A forged or stale signature is a 401 and nothing is read or
 * written. A verified callback is recorded once per (provider, body hash) in the transaction that
 * applies it: the same callback again (a provider retry, a replay) answers 200 and changes nothing; a
 * different callback for an intent already final (after reconciliation, say) is recorded as `ignored`.
 */
@Injectable()
export class PaymentCallbacks {
  constructor(
    private readonly repository: PaymentsRepository,
    private readonly results: PaymentResults,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PaymentCallbacks.name);
  }

  async receive(
    provider: string,
    headers: IncomingHttpHeaders,
    raw: Buffer | undefined,
  ): Promise<CallbackAnswer> {
    if (provider !== this.gateway.provider) throw DomainException.notFound('Payment provider');
    const check = verifyGatewaySignature({
      secret: this.config.PAYMENT_GATEWAY_SECRET,
      signature: headers[GATEWAY_SIGNATURE_HEADER],
      timestamp: headers[GATEWAY_TIMESTAMP_HEADER],
      body: raw ?? Buffer.alloc(0),
      nowSeconds: Math.floor(this.clock.now().getTime() / 1000),
    });
    if (!check.ok) {
      this.logger.warn(
        { operation: 'payments.callback', provider, reason: check.reason },
        'Rejected a payment callback with a bad signature',
      );
      throw new DomainException('unauthorized', 'invalid-signature', 'The callback signature is not valid');
    }
    const body = raw ? parseCallback(raw) : undefined;
    if (!body) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'The callback body is not one we understand',
        [{ field: 'body', message: 'checkout_request_id (string) and result_code (number) are required' }],
      );
    }
    const bodyHash = createHash('sha256').update(raw!).digest('hex');
    const answer = await this.repository.transaction(async (manager): Promise<CallbackAnswer> => {
      await this.repository.lockCheckout(manager, provider, body.checkout_request_id);
      const intent = await this.repository.lockByGatewayReference(
        manager,
        provider,
        body.checkout_request_id,
      );
      const now = this.clock.now();
      if (!intent) {
        // Faster than our own record of the push: kept, and applied when the push is recorded.
        const kept = await this.repository.recordCallback(manager, {
          provider,
          checkoutRequestId: body.checkout_request_id,
          bodyHash,
          resultCode: body.result_code,
          companyId: null,
          paymentId: null,
          outcome: 'early',
          at: now,
          body,
        });
        return { status: 'ok', outcome: kept ? 'early' : 'replayed' };
      }
      const fresh = await this.repository.recordCallback(manager, {
        provider,
        checkoutRequestId: body.checkout_request_id,
        bodyHash,
        resultCode: body.result_code,
        companyId: intent.company_id,
        paymentId: intent.id,
        outcome: 'received',
        at: now,
      });
      if (!fresh) return { status: 'ok', outcome: 'replayed' };
      const outcome = await this.results.apply(manager, intent, resultOf(body), 'callback');
      await this.repository.setCallbackOutcome(manager, provider, bodyHash, outcome);
      return { status: 'ok', outcome };
    });
    this.logger.info(
      {
        operation: 'payments.callback',
        provider,
        checkout_request_id: body.checkout_request_id,
        result_code: body.result_code,
        outcome: answer.outcome,
      },
      'Payment callback received',
    );
    return answer;
  }
  /**
   * Applies the callbacks that arrived before `intent` recorded its checkout id. Call in the transaction
   * that records it, after `lockCheckout` and with the intent locked and re-read.
   */
  async applyEarly(manager: EntityManager, intent: PaymentRow, provider: string): Promise<void> {
    if (intent.gateway_reference === null) return;
    for (const early of await this.repository.earlyCallbacks(manager, provider, intent.gateway_reference)) {
      const outcome = await this.results.apply(
        manager,
        intent,
        resultOf(early.body as CallbackBody),
        'callback',
      );
      await this.repository.settleEarlyCallback(manager, {
        provider,
        bodyHash: early.body_hash,
        companyId: intent.company_id,
        paymentId: intent.id,
        outcome,
      });
      this.logger.info(
        { operation: 'payments.callback', provider, checkout_request_id: intent.gateway_reference, outcome },
        'Early payment callback applied',
      );
    }
  }
}
