import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import type { DomainEvent } from '../../platform/events/domain-event';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { QUEUES } from '../../platform/queue/queue-names';
import { JourneysService } from '../journeys/journeys.service';
import { GatewayCallError, PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway';
import { mapTransportFailure } from './gateway/result-codes';
import { PaymentCallbacks } from './payment-callbacks';
import { PaymentResults } from './payment-results';
import { PaymentsRepository } from './payments.repository';
import './payments.events';

/**
 * The durable subscriber that asks the gateway for an STK push (`payments.initiate`, queue `payments`).
 * Idempotent: it acts only on an intent still `processing` with no checkout id, so a redelivered job
 * changes nothing. A transport failure that survives the adapter's retries (or meets an open circuit)
 * fails the intent with its class at once: the customer is waiting at their phone, and a prompt that
 * arrives minutes later is worse than "try again".
 */
@Injectable()
export class PaymentInitiator {
  constructor(
    private readonly repository: PaymentsRepository,
    private readonly results: PaymentResults,
    private readonly callbacks: PaymentCallbacks,
    private readonly journeys: JourneysService,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PaymentInitiator.name);
  }

  callbackUrl(): string {
    return `${this.config.PAYMENT_CALLBACK_BASE_URL.replace(/\/$/, '')}/v1/payments/webhooks/${this.gateway.provider}`;
  }

  @OnDomainEvent(['PaymentRequested', 'PaymentRetryRequested'], {
    name: 'payments.initiate',
    queue: QUEUES.payments,
  })
  async initiate(event: DomainEvent<'PaymentRequested' | 'PaymentRetryRequested'>): Promise<void> {
    const { payment_id: id, attempt } = event.metadata;
    const intent = await this.repository.find(event.company_id, id);
    if (!intent || intent.status !== 'processing' || intent.gateway_reference !== null) return;
    if (intent.attempts >= attempt) return; // this attempt was made already
    if (event.type === 'PaymentRetryRequested') {
      await sleep((event as DomainEvent<'PaymentRetryRequested'>).metadata.delay_ms);
    }
    if (!intent.phone) {
      await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, intent.company_id, id);
        if (locked?.status !== 'processing') return;
        await this.results.fail(
          manager,
          locked,
          {
            errorCode: 'phone_missing',
            errorClass: 'validation_error',
            retry: 'final',
            message: 'No phone to push to',
          },
          'initiate',
        );
      });
      return;
    }
    const started = performance.now();
    let checkoutId: string;
    try {
      ({ checkoutRequestId: checkoutId } = await this.gateway.initiate({
        reference: intent.id,
        phone: intent.phone,
        amountMinor: Number(intent.amount_minor),
        currency: intent.currency.trim(),
        callbackUrl: this.callbackUrl(),
      }));
    } catch (error) {
      if (!(error instanceof GatewayCallError)) throw error;
      await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, intent.company_id, id);
        if (locked?.status !== 'processing' || locked.gateway_reference !== null) return;
        await this.results.fail(
          manager,
          { ...locked, attempts: attempt },
          mapTransportFailure(error.failure),
          'initiate',
        );
        await this.repository.setAttempts(manager, id, attempt);
      });
      return;
    }
    const durationMs = Math.round(performance.now() - started);
    await this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, intent.company_id, id);
      if (!locked || locked.gateway_reference !== null) return;
      // After the intent's lock (a callback takes this one, then looks the intent up by checkout id).
      await this.repository.lockCheckout(manager, this.gateway.provider, checkoutId);
      // Canceled meanwhile: the push went out all the same; keep its id so the result still lands.
      await this.repository.markInitiated(manager, id, checkoutId, attempt, this.clock.now());
      await this.journeys.record(
        {
          companyId: locked.company_id,
          customerId: locked.customer_id,
          flow: 'payment',
          traceId: locked.trace_id,
          eventType: 'payment_initiated',
          status: 'processing',
          durationMs,
          operation: 'gateway_initiate',
          fields: { payment_id: id, provider: this.gateway.provider, gateway_reference: checkoutId, attempt },
        },
        manager,
      );
      const initiated = await this.repository.lock(manager, intent.company_id, id);
      if (initiated) await this.callbacks.applyEarly(manager, initiated, this.gateway.provider);
    });
    this.logger.info(
      {
        operation: 'payments.initiate',
        company_id: intent.company_id,
        customer_id: intent.customer_id,
        payment_id: id,
        trace_id: intent.trace_id,
        attempt,
        duration_ms: durationMs,
      },
      'STK push accepted by the gateway',
    );
  }
}
