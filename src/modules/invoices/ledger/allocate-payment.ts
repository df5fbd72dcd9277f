import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../../platform/clock/clock';
import { EventBus } from '../../../platform/events/event-bus';
import { DomainException } from '../../../platform/http/domain-exception';
import { MAX_MINOR, statusAfterAllocation } from './invoice-totals';
import { AllocationRow, InvoiceRow, InvoicesRepository } from './invoices.repository';
import './ledger.events';

export interface AllocationInput {
  companyId: string;
  invoiceId: string;
  amountMinor: bigint | number;
  currency: string;
  /** `YYYY-MM-DD`; today (UTC) when absent. Not before the issue date, not after today. */
  allocatedOn?: string;
  source: 'manual' | 'payment';
  /** Payments are applied once per invoice: a second call with the same payment id changes nothing. */
  paymentId: string | null;
  note?: string | null;
  actorId: string | null;
}

export interface AllocationResult {
  allocation: AllocationRow;
  invoice: InvoiceRow;
  /** The payment had already been allocated to this invoice; nothing changed. */
  replayed: boolean;
}

/**
 * The only way an invoice's balance falls: an allocation of money against it, in the caller's
 * transaction (the invoice row is locked, so concurrent allocations queue and none over-allocates).
 */
@Injectable()
export class AllocatePayment {
  constructor(
    private readonly repository: InvoicesRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  async execute(manager: EntityManager, input: AllocationInput): Promise<AllocationResult> {
    const amount = BigInt(input.amountMinor);
    if (amount <= 0n || amount > MAX_MINOR) {
      throw new DomainException('invalid_input', 'validation-failed', 'The amount must be positive', [
        { field: 'amount_minor', message: `amount_minor must be between 1 and ${MAX_MINOR}` },
      ]);
    }
    const invoice = await this.repository.lock(manager, input.companyId, input.invoiceId);
    if (!invoice) throw DomainException.notFound('Invoice');
    if (input.paymentId) {
      const existing = await this.repository.allocationOfPayment(manager, invoice.id, input.paymentId);
      if (existing) return { allocation: existing, invoice, replayed: true };
    }
    this.requireAllocatable(invoice, amount, input.currency);
    const today = this.clock.now().toISOString().slice(0, 10);
    const allocatedOn = input.allocatedOn ?? today;
    if (allocatedOn < invoice.issue_date || allocatedOn > today) {
      throw new DomainException(
        'unprocessable',
        'allocation-date-out-of-range',
        `An allocation is dated between the issue date (${invoice.issue_date}) and today (${today})`,
        [{ field: 'allocated_on', message: `between ${invoice.issue_date} and ${today}` }],
      );
    }
    const now = this.clock.now();
    const allocation = await this.repository.insertAllocation(manager, {
      companyId: input.companyId,
      invoiceId: invoice.id,
      customerId: invoice.customer_id,
      amountMinor: amount,
      currency: input.currency,
      allocatedOn,
      source: input.source,
      paymentId: input.paymentId,
      note: input.note ?? null,
      createdBy: input.actorId,
      at: now,
    });
    if (!allocation) {
      // Lost a race on the unique (payment_id, invoice_id) index: the other allocation stands.
      const existing = await this.repository.allocationOfPayment(manager, invoice.id, input.paymentId!);
      return { allocation: existing!, invoice, replayed: true };
    }
    const allocated = BigInt(invoice.allocated_minor) + amount;
    const status = statusAfterAllocation(BigInt(invoice.total_minor), allocated);
    const updated = await this.repository.applyAllocation(manager, invoice.id, amount, status, now);
    await this.events.publish(manager, {
      type: 'PaymentAllocated',
      companyId: input.companyId,
      userId: input.actorId,
      customerId: invoice.customer_id,
      metadata: {
        invoice_id: invoice.id,
        invoice_number: invoice.invoice_number,
        allocation_id: allocation.id,
        amount_minor: Number(amount),
        currency: input.currency,
        allocated_on: allocatedOn,
        source: input.source,
        payment_id: input.paymentId,
        allocated_minor: Number(updated.allocated_minor),
        balance_minor: Number(updated.balance_minor),
        status: updated.status,
      },
    });
    return { allocation, invoice: updated, replayed: false };
  }

  private requireAllocatable(invoice: InvoiceRow, amount: bigint, currency: string): void {
    switch (invoice.status) {
      case 'draft':
        throw new DomainException(
          'invalid_state',
          'invoice-not-issued',
          'A draft owes nothing yet: issue it before allocating to it',
        );
      case 'void':
        throw new DomainException('invalid_state', 'invoice-void', 'A void invoice takes no allocations');
      case 'paid':
        throw new DomainException('invalid_state', 'invoice-paid', 'The invoice is paid in full');
      case 'open':
      case 'partially_paid':
        break;
    }
    if (currency !== invoice.currency.trim()) {
      throw new DomainException(
        'unprocessable',
        'currency-mismatch',
        `The invoice is in ${invoice.currency}, the allocation in ${currency}`,
        [{ field: 'currency', message: `must be ${invoice.currency}` }],
      );
    }
    const balance = BigInt(invoice.balance_minor);
    if (amount > balance) {
      throw new DomainException(
        'unprocessable',
        'over-allocation',
        `The allocation (${amount}) is more than the balance (${balance})`,
        [{ field: 'amount_minor', message: `at most the balance, ${balance}` }],
      );
    }
  }
}
