import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, Page, toPage } from '../../platform/http/pagination';
import { requestScope } from '../../platform/http/request-scope';
import { InvoicesService } from '../invoices/invoices.service';
import { JourneysService } from '../journeys/journeys.service';
import { CreatePaymentDto, ListPaymentsQuery, PaymentView, paymentView } from './dto/payment.dto';
import { PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway';
import { paymentFacts } from './payment-results';
import { PaymentMethod, PaymentRow, PaymentsRepository, PaymentStatus } from './payments.repository';
import './payments.events';

export type { PaymentView } from './dto/payment.dto';

/** A payment another module opens for what it sells. */
export interface PurposePayment {
  companyId: string;
  customerId: string;
  userId: string | null;
  amountMinor: number;
  currency: string;
  method: PaymentMethod;
  phone: string | null;
  purposeType: 'package';
  purposeId: string;
  idempotencyKey: string;
  traceId?: string;
}

interface NewIntent extends Omit<PurposePayment, 'purposeType' | 'traceId'> {
  purposeType: 'invoice' | 'package';
  traceId: string;
}

/**
 * Payment intents: the payments module's public API. Mobile money is the method with a gateway: its
 * intents start `processing` and the durable subscriber pushes the STK prompt. Card and bank transfer
 * have no provider yet: their intents start `requires_action` (the customer has something to do that
 * custops does not drive) and can be canceled.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly repository: PaymentsRepository,
    private readonly invoices: InvoicesService,
    private readonly journeys: JourneysService,
    private readonly events: EventBus,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PaymentsService.name);
  }

  async create(principal: Principal, idempotencyKey: string, input: CreatePaymentDto): Promise<PaymentView> {
    const companyId = principal.companyId;
    const customerId = this.payer(principal, input.customer_id);
    const existing = await this.repository.byIdempotencyKey(companyId, idempotencyKey);
    if (existing) return paymentView(existing);
    if (input.purpose_type !== 'invoice') {
      throw new DomainException(
        'unprocessable',
        'purpose-not-supported',
        'Packages are bought with POST /v1/sessions, which opens their payment',
        [{ field: 'purpose_type', message: 'must be invoice' }],
      );
    }
    const invoice = await this.invoices.invoiceForPayment(companyId, input.purpose_id);
    // Another customer's invoice is as missing as one that does not exist.
    if (!invoice || invoice.customerId !== customerId) throw DomainException.notFound('Invoice');
    if (invoice.status !== 'open' && invoice.status !== 'partially_paid') {
      throw new DomainException(
        'invalid_state',
        'invoice-not-payable',
        `A ${invoice.status} invoice takes no payment`,
      );
    }
    if (invoice.currency !== input.currency) {
      throw new DomainException(
        'unprocessable',
        'currency-mismatch',
        `The invoice is in ${invoice.currency}, the payment in ${input.currency}`,
        [{ field: 'currency', message: `must be ${invoice.currency}` }],
      );
    }
    if (BigInt(input.amount_minor) > invoice.balanceMinor) {
      throw new DomainException(
        'unprocessable',
        'over-payment',
        `The payment (${input.amount_minor}) is more than the balance (${invoice.balanceMinor})`,
        [{ field: 'amount_minor', message: `at most the balance, ${invoice.balanceMinor}` }],
      );
    }
    const created = await this.repository.transaction((manager) =>
      this.open(manager, {
        companyId,
        customerId,
        userId: principal.userId,
        amountMinor: input.amount_minor,
        currency: input.currency,
        method: input.method,
        phone: input.phone ?? null,
        purposeType: 'invoice',
        purposeId: input.purpose_id,
        idempotencyKey,
        traceId: requestScope.correlationId() ?? randomUUID(),
      }),
    );
    const row = created ?? (await this.repository.byIdempotencyKey(companyId, idempotencyKey));
    if (!row) throw new Error('A payment intent vanished after its idempotency key conflicted');
    return paymentView(row);
  }

  /**
   * For modules that sell something (sessions: a package): opens an intent inside the caller's
   * transaction, so the thing sold and its payment exist together or not at all. Undefined when the
   * company already has an intent with this idempotency key. The result arrives as PaymentSucceeded,
   * PaymentFailed or PaymentCanceled with this purpose.
   */
  openForPurpose(manager: EntityManager, input: PurposePayment): Promise<PaymentView | undefined> {
    return this.open(manager, {
      ...input,
      traceId: input.traceId ?? requestScope.correlationId() ?? randomUUID(),
    }).then((row) => (row ? paymentView(row) : undefined));
  }

  /** Inserts the intent, its PaymentRequested (gateway methods) and the journey's first event. */
  private async open(manager: EntityManager, input: NewIntent): Promise<PaymentRow | undefined> {
    const gateway = input.method === 'mobile_money';
    const row = await this.repository.insert(manager, {
      companyId: input.companyId,
      customerId: input.customerId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      method: input.method,
      purposeType: input.purposeType,
      purposeId: input.purposeId,
      phone: input.phone,
      status: gateway ? 'processing' : 'requires_action',
      provider: gateway ? this.gateway.provider : 'manual',
      idempotencyKey: input.idempotencyKey,
      traceId: input.traceId,
      createdBy: input.userId,
      at: this.clock.now(),
    });
    if (!row) return undefined; // the same key won a race: the caller answers its intent
    if (gateway) {
      await this.events.publish(manager, {
        type: 'PaymentRequested',
        companyId: input.companyId,
        userId: input.userId,
        customerId: input.customerId,
        metadata: { ...paymentFacts(row), attempt: 1 },
      });
    }
    await this.journeys.record(
      {
        companyId: input.companyId,
        customerId: input.customerId,
        flow: 'payment',
        traceId: input.traceId,
        eventType: 'payment_requested',
        status: 'processing',
        fields: {
          payment_id: row.id,
          amount_minor: input.amountMinor,
          currency: input.currency,
          method: input.method,
          purpose_type: input.purposeType,
          purpose_id: input.purposeId,
        },
      },
      manager,
    );
    this.logger.info(
      {
        operation: 'payments.create',
        company_id: input.companyId,
        customer_id: input.customerId,
        user_id: input.userId,
        payment_id: row.id,
        method: row.method,
        purpose_type: input.purposeType,
        trace_id: input.traceId,
      },
      'Payment requested',
    );
    return row;
  }

  /** The customer a payment belongs to (support console search); undefined for none in the company. */
  async customerOf(companyId: string, id: string): Promise<string | undefined> {
    return (await this.repository.find(companyId, id))?.customer_id;
  }

  async get(principal: Principal, id: string): Promise<PaymentView> {
    return paymentView(await this.visible(principal, id));
  }

  async list(principal: Principal, query: ListPaymentsQuery): Promise<Page<PaymentView>> {
    const customerId = principal.customerId ?? query.customer_id;
    if (principal.customerId && query.customer_id && query.customer_id !== principal.customerId) {
      return { data: [], next_cursor: null };
    }
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.list(
      principal.companyId,
      { customerId, status: query.status },
      query.limit,
      after,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      paymentView,
    );
  }

  /** Cancels an intent that has no result yet (requires_action, processing). A later success still wins. */
  async cancel(principal: Principal, id: string): Promise<PaymentView> {
    await this.visible(principal, id);
    const row = await this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, principal.companyId, id);
      if (!locked) throw DomainException.notFound('Payment');
      const cancellable: PaymentStatus[] = ['requires_action', 'processing'];
      if (!cancellable.includes(locked.status)) {
        throw new DomainException(
          'invalid_state',
          'payment-not-cancellable',
          `A ${locked.status} payment cannot be canceled`,
        );
      }
      const canceled = await this.repository.markCanceled(manager, id, this.clock.now());
      await this.events.publish(manager, {
        type: 'PaymentCanceled',
        companyId: locked.company_id,
        userId: principal.userId,
        customerId: locked.customer_id,
        metadata: { ...paymentFacts(locked), previous_status: locked.status },
      });
      await this.journeys.record(
        {
          companyId: locked.company_id,
          customerId: locked.customer_id,
          flow: 'payment',
          traceId: locked.trace_id,
          eventType: 'payment_canceled',
          status: 'error',
          fields: { payment_id: id, previous_status: locked.status, canceled_by: principal.userId },
        },
        manager,
      );
      return canceled;
    });
    return paymentView(row);
  }

  private payer(principal: Principal, customerId: string | undefined): string {
    if (principal.customerId) {
      if (customerId && customerId !== principal.customerId) throw DomainException.notFound('Customer');
      return principal.customerId;
    }
    if (!customerId) {
      throw new DomainException('invalid_input', 'validation-failed', 'Name the customer who pays', [
        { field: 'customer_id', message: 'customer_id is required for staff' },
      ]);
    }
    return customerId;
  }

  private async visible(principal: Principal, id: string): Promise<PaymentRow> {
    const row = await this.repository.find(principal.companyId, id);
    if (!row || (principal.customerId && row.customer_id !== principal.customerId)) {
      throw DomainException.notFound('Payment');
    }
    return row;
  }
}
