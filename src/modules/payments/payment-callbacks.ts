import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import { DomainException } from '../../platform/http/domain-exception';
import {
  GATEWAY_SIGNATURE_HEADER,
  GATEWAY_TIMESTAMP_HEADER,
  verifyGatewaySignature,
} from '../../platform/http/hmac-signature';
import { PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway';
import { ApplyOutcome, PaymentResults } from './payment-results';
import { PaymentsRepository } from './payments.repository';

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
  outcome: ApplyOutcome | 'replayed';
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
    const answer = await this.repository.transaction(async (manager): Promise<CallbackAnswer | undefined> => {
      const intent = await this.repository.lockByGatewayReference(
        manager,
        provider,
        body.checkout_request_id,
      );
      if (!intent) return undefined;
      const now = this.clock.now();
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
      const outcome = await this.results.apply(
        manager,
        intent,
        {
          resultCode: body.result_code,
          resultDesc: body.result_desc ?? '',
          providerReference: body.provider_reference ?? null,
          amountMinor: body.amount_minor,
          currency: body.currency,
        },
        'callback',
      );
      await this.repository.setCallbackOutcome(manager, provider, bodyHash, outcome);
      return { status: 'ok', outcome };
    });
    // An unknown checkout id is not recorded: a provider retry after our side caught up still lands, and
    // reconciliation covers the rest.
    if (!answer) throw DomainException.notFound('Payment');
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
}
