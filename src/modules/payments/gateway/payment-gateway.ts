import type { TransportFailure } from './result-codes';

/** Starts a mobile-money STK push (or another provider's equivalent). */
export interface InitiateInput {
  /** Our intent id: the provider echoes it in callbacks (and a real provider dedupes on it). */
  reference: string;
  phone: string;
  amountMinor: number;
  currency: string;
  callbackUrl: string;
}

export interface InitiateResult {
  checkoutRequestId: string;
}

export type GatewayStatus =
  | { state: 'pending' }
  | { state: 'completed'; resultCode: number; resultDesc: string; providerReference: string | null }
  | { state: 'unknown' };

/** What the payments module needs from a provider; MobileMoneyGateway speaks the simulator's (Daraja-like) API. */
export interface PaymentGateway {
  readonly provider: string;
  initiate(input: InitiateInput): Promise<InitiateResult>;
  status(checkoutRequestId: string): Promise<GatewayStatus>;
}

/** A gateway call that failed after the adapter's own retries (or at once, when the circuit is open). */
export class GatewayCallError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'GatewayCallError';
  }
}

/** The injection token of the gateway the module uses (MobileMoneyGateway). */
export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');
