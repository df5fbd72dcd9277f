/**
 * Events of the payments module. Amounts are integer minor units of `currency`. The customer's phone
 * never appears here (PII).
 */
interface PaymentFacts {
  payment_id: string;
  amount_minor: number;
  currency: string;
  method: 'card' | 'mobile_money' | 'bank_transfer';
  purpose_type: 'invoice' | 'package';
  purpose_id: string;
  provider: string;
  trace_id: string;
}

declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** An intent was created: the durable subscriber `payments.initiate` calls the gateway. */
    PaymentRequested: PaymentFacts & { attempt: number };
    /** A technical result (provider busy, system error): the gateway is asked again after `delay_ms`. */
    PaymentRetryRequested: PaymentFacts & { attempt: number; delay_ms: number; previous_error_code: string };
    /** The provider confirmed the payment; it was allocated to its invoice in the same transaction. */
    PaymentSucceeded: PaymentFacts & {
      provider_reference: string | null;
      gateway_reference: string | null;
      /** The invoice afterwards (purpose invoice). */
      invoice_balance_minor: number | null;
      invoice_status: string | null;
    };
    /** The payment ended without money: declined by the customer's side, or a technical failure. */
    PaymentFailed: PaymentFacts & {
      error_code: string;
      error_class: string;
      error_message: string;
      gateway_reference: string | null;
    };
    /** Canceled before the gateway's result. */
    PaymentCanceled: PaymentFacts & { previous_status: string };
  }
}

export type { PaymentFacts };
