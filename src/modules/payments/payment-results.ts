import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { InvoicesService } from '../invoices/invoices.service';
import { JourneysService } from '../journeys/journeys.service';
import {
  journeyErrorType,
  mapResultCode,
  MAX_INITIATIONS,
  ResultMapping,
  retryDelayMs,
  STK_SUCCESS,
} from './gateway/result-codes';
import type { PaymentFacts } from './payments.events';
import { PaymentRow, PaymentsRepository } from './payments.repository';
import './payments.events';

/** The gateway's result for one checkout, from a callback or a status query. */
export interface GatewayResult {
  resultCode: number;
  resultDesc: string;
  providerReference: string | null;
  /** What the provider says it took (callbacks carry it; status queries too). */
  amountMinor?: number;
  currency?: string;
}

export type ApplyOutcome = 'succeeded' | 'failed' | 'retrying' | 'ignored';

export function paymentFacts(row: PaymentRow): PaymentFacts {
  return {
    payment_id: row.id,
    amount_minor: Number(row.amount_minor),
    currency: row.currency.trim(),
    method: row.method,
    purpose_type: row.purpose_type,
    purpose_id: row.purpose_id,
    provider: row.provider,
    trace_id: row.trace_id,
  };
}

/**
 * Applies a gateway result to a locked intent: the one code path of callbacks and reconciliation.
 * In the caller's transaction: the status change, the allocation to the invoice (on success), the event
 * and the journey event commit together or not at all.
 */
@Injectable()
export class PaymentResults {
  constructor(
    private readonly repository: PaymentsRepository,
    private readonly invoices: InvoicesService,
    private readonly journeys: JourneysService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PaymentResults.name);
  }

  async apply(
    manager: EntityManager,
    intent: PaymentRow,
    result: GatewayResult,
    source: 'callback' | 'reconciliation',
  ): Promise<ApplyOutcome> {
    const success = result.resultCode === STK_SUCCESS;
    // Final states stay final. One exception: money the provider took for an intent canceled on our side
    // meanwhile is real, so the payment succeeds (and is allocated) rather than being lost.
    if (intent.status !== 'processing' && !(success && intent.status === 'canceled')) return 'ignored';
    if (
      success &&
      ((result.amountMinor !== undefined && result.amountMinor !== Number(intent.amount_minor)) ||
        (result.currency !== undefined && result.currency !== intent.currency.trim()))
    ) {
      return this.fail(
        manager,
        intent,
        {
          errorCode: 'amount_mismatch',
          errorClass: 'system_error',
          retry: 'final',
          message: 'The provider reported another amount or currency than the payment asked for',
        },
        source,
      );
    }
    if (success) return this.succeed(manager, intent, result, source);
    const mapping = mapResultCode(result.resultCode);
    if (mapping.retry === 'retry' && intent.attempts < MAX_INITIATIONS) {
      const now = this.clock.now();
      await this.repository.markRetrying(
        manager,
        intent.id,
        { errorCode: mapping.errorCode, errorClass: mapping.errorClass, errorMessage: mapping.message },
        now,
      );
      await this.events.publish(manager, {
        type: 'PaymentRetryRequested',
        companyId: intent.company_id,
        customerId: intent.customer_id,
        metadata: {
          ...paymentFacts(intent),
          attempt: intent.attempts + 1,
          delay_ms: retryDelayMs(intent.attempts),
          previous_error_code: mapping.errorCode,
        },
      });
      this.logger.warn(
        {
          operation: 'payments.retry',
          company_id: intent.company_id,
          customer_id: intent.customer_id,
          payment_id: intent.id,
          error_code: mapping.errorCode,
          attempt: intent.attempts,
          source,
        },
        'Technical failure at the provider: the payment will be initiated again',
      );
      return 'retrying';
    }
    return this.fail(manager, intent, mapping, source);
  }

  /** Ends an intent as failed (gateway result, or a transport failure after the adapter's retries). */
  async fail(
    manager: EntityManager,
    intent: PaymentRow,
    mapping: ResultMapping,
    source: string,
  ): Promise<'failed'> {
    const now = this.clock.now();
    const failure = {
      errorCode: mapping.errorCode,
      errorClass: mapping.errorClass,
      errorMessage: mapping.message,
    };
    await this.repository.markFailed(manager, intent.id, failure, now);
    await this.events.publish(manager, {
      type: 'PaymentFailed',
      companyId: intent.company_id,
      customerId: intent.customer_id,
      metadata: {
        ...paymentFacts(intent),
        error_code: mapping.errorCode,
        error_class: mapping.errorClass,
        error_message: mapping.message,
        gateway_reference: intent.gateway_reference,
      },
    });
    await this.journeys.record(
      {
        companyId: intent.company_id,
        customerId: intent.customer_id,
        flow: 'payment',
        traceId: intent.trace_id,
        eventType: 'payment_failed',
        status: 'error',
        errorType: journeyErrorType(mapping.errorClass),
        durationMs: now.getTime() - new Date(intent.created_at).getTime(),
        operation: 'payment_total',
        fields: {
          payment_id: intent.id,
          error_code: mapping.errorCode,
          error_class: mapping.errorClass,
          error_message: mapping.message,
          attempts: intent.attempts,
          source,
        },
      },
      manager,
    );
    const log = mapping.errorClass === 'payment_declined' ? 'info' : 'warn';
    this.logger[log](
      {
        operation: 'payments.failed',
        company_id: intent.company_id,
        customer_id: intent.customer_id,
        payment_id: intent.id,
        trace_id: intent.trace_id,
        error_code: mapping.errorCode,
        error_class: mapping.errorClass,
        source,
      },
      'Payment failed',
    );
    return 'failed';
  }

  private async succeed(
    manager: EntityManager,
    intent: PaymentRow,
    result: GatewayResult,
    source: string,
  ): Promise<'succeeded'> {
    const now = this.clock.now();
    let invoice: { balanceMinor: bigint; status: string } | null = null;
    if (intent.purpose_type === 'invoice') {
      try {
        invoice = await this.invoices.allocate(manager, {
          companyId: intent.company_id,
          invoiceId: intent.purpose_id,
          amountMinor: BigInt(intent.amount_minor),
          currency: intent.currency.trim(),
          paymentId: intent.id,
        });
      } catch (error) {
        // The money is taken whatever the invoice's state now (paid meanwhile, voided…): the payment
        // succeeds unallocated and staff allocate or refund it. Refusals throw before anything is written.
        if (!(error instanceof DomainException)) throw error;
        this.logger.error(
          {
            operation: 'payments.allocate',
            company_id: intent.company_id,
            customer_id: intent.customer_id,
            payment_id: intent.id,
            invoice_id: intent.purpose_id,
            code: error.code,
          },
          'A succeeded payment could not be allocated to its invoice',
        );
      }
    }
    await this.repository.markSucceeded(manager, intent.id, result.providerReference, now);
    await this.events.publish(manager, {
      type: 'PaymentSucceeded',
      companyId: intent.company_id,
      customerId: intent.customer_id,
      metadata: {
        ...paymentFacts(intent),
        provider_reference: result.providerReference,
        gateway_reference: intent.gateway_reference,
        invoice_balance_minor: invoice ? Number(invoice.balanceMinor) : null,
        invoice_status: invoice?.status ?? null,
      },
    });
    await this.journeys.record(
      {
        companyId: intent.company_id,
        customerId: intent.customer_id,
        flow: 'payment',
        traceId: intent.trace_id,
        eventType: 'payment_succeeded',
        status: 'success',
        durationMs: now.getTime() - new Date(intent.created_at).getTime(),
        operation: 'payment_total',
        fields: {
          payment_id: intent.id,
          provider_reference: result.providerReference,
          invoice_id: intent.purpose_type === 'invoice' ? intent.purpose_id : null,
          allocated: invoice !== null,
          source,
        },
      },
      manager,
    );
    this.logger.info(
      {
        operation: 'payments.succeeded',
        company_id: intent.company_id,
        customer_id: intent.customer_id,
        payment_id: intent.id,
        trace_id: intent.trace_id,
        source,
      },
      'Payment succeeded',
    );
    return 'succeeded';
  }
}
