import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AllocatePayment } from './ledger/allocate-payment';

/** A payment's share of one invoice, for InvoicesService.allocate (the payments module). */
export interface PaymentAllocation {
  companyId: string;
  invoiceId: string;
  /** Minor units of `currency`; at most the invoice's balance. */
  amountMinor: bigint | number;
  /** ISO 4217; must be the invoice's currency. */
  currency: string;
  /** `YYYY-MM-DD`, default today (UTC); between the issue date and today. */
  allocatedOn?: string;
  /** Allocations are idempotent per (payment, invoice): a repeat changes nothing and says `replayed`. */
  paymentId: string;
  userId?: string | null;
}

export interface PaymentAllocationResult {
  allocationId: string;
  invoiceId: string;
  amountMinor: bigint;
  /** The invoice afterwards. */
  allocatedMinor: bigint;
  balanceMinor: bigint;
  status: string;
  replayed: boolean;
}

/**
 * The invoices ledger's public API: what other modules must know before erasing a customer, and the
 * allocation of payments to invoices (for the payments module).
 */
@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly allocations: AllocatePayment,
  ) {}

  /**
   * Allocates a payment to an invoice inside the caller's transaction (PaymentAllocated is published
   * in it): the invoice is locked, its allocated amount, balance and status move together. Refused
   * like the HTTP route: a draft or void or paid invoice (409), another currency or more than the
   * balance (422), a missing or foreign invoice (404), all as DomainExceptions.
   */
  async allocate(manager: EntityManager, input: PaymentAllocation): Promise<PaymentAllocationResult> {
    const result = await this.allocations.execute(manager, {
      companyId: input.companyId,
      invoiceId: input.invoiceId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      allocatedOn: input.allocatedOn,
      source: 'payment',
      paymentId: input.paymentId,
      actorId: input.userId ?? null,
    });
    return {
      allocationId: result.allocation.id,
      invoiceId: result.invoice.id,
      amountMinor: BigInt(result.allocation.amount_minor),
      allocatedMinor: BigInt(result.invoice.allocated_minor),
      balanceMinor: BigInt(result.invoice.balance_minor),
      status: result.invoice.status,
      replayed: result.replayed,
    };
  }

  /** Whether the customer has financial records that must be kept (SOX), whatever their state. */
  async hasFinancialRecords(companyId: string, customerId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM invoices WHERE company_id = $1 AND customer_id = $2 LIMIT 1',
      [companyId, customerId],
    );
    return rows.length > 0;
  }
}
