import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock/clock';
import { AGING_BUCKETS, agingPath, utcDate } from './aging/aging-definitions';
import { AgingFigures, figures } from './aging/aging-response';
import { AgingRepository } from './aging/aging.repository';
import { AllocatePayment } from './ledger/allocate-payment';
import { LedgerEntry, StatementLedger } from './ledger/statement-ledger';

// What other modules may use of the ledger's vocabulary: the aging buckets and money as people read it.
export { AGING_BUCKETS, type AgingBucket } from './aging/aging-definitions';
export type { AgingFigures } from './aging/aging-response';
export { formatAmount, formatMoney, minorUnitDecimals } from './dunning/money-format';
export { LEDGER_ENTRY_TYPES, type LedgerEntry, type LedgerEntryType } from './ledger/statement-ledger';
// Credit control's use cases (limits, exposure), for modules that show a customer's credit (the console).
// Type only, injected by the CREDIT_SERVICE token: a runtime re-export would close an import cycle
// (credit -> customers -> invoices.service) that leaves InvoicesService uninitialised for whoever
// loads this file first.
export type { CreditService } from './credit/credit.service';
export const CREDIT_SERVICE = Symbol('CreditService');

/** A customer's account for a statement: in one currency, between two calendar dates (inclusive). */
export interface CustomerLedgerQuery {
  companyId: string;
  customerId: string;
  currency: string;
  /** `YYYY-MM-DD` */
  from: string;
  to: string;
}

export interface CustomerLedger {
  /** What the customer owed at the end of the day before `from`. */
  openingMinor: bigint;
  /** Every invoice issued, allocation and void dated within the period, in date order. */
  entries: LedgerEntry[];
  /** opening + the entries: what the customer owed at the end of `to`. */
  closingMinor: bigint;
  /** The live aging report of the customer in this currency as of `to`, basis due date. */
  aging: AgingFigures;
}

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

/** An invoice as a payment sees it (InvoicesService.invoiceForPayment). */
export interface PayableInvoice {
  customerId: string;
  currency: string;
  /** draft, open, partially_paid, paid, void */
  status: string;
  balanceMinor: bigint;
}

/**
 * The invoices ledger's public API: what other modules must know before erasing a customer, the
 * allocation of payments to invoices (for the payments module), and customers' accounts over a period
 * (for statements).
 */
@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly allocations: AllocatePayment,
    private readonly ledger: StatementLedger,
    private readonly aging: AgingRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * A customer's live aging as of today (UTC), by due date: one figure per currency the customer owes in
   * (none when it owes nothing). The support console shows it beside the credit limit.
   */
  async customerAging(companyId: string, customerId: string): Promise<AgingFigures[]> {
    const today = utcDate(this.clock.now());
    const rows = await this.aging.report(
      { companyId, customerId, asOf: today, basis: 'due_date', path: agingPath(today, today) },
      { limit: 0 },
    );
    return rows.filter((row) => row.customer_id === null).map(figures);
  }

  /**
   * A customer's account over a period (for statements): the opening balance, the period's entries and
   * the closing balance from one set-based statement, and the aging buckets as of the period's end from
   * the aging report itself (so a statement and `GET /v1/aging` never disagree).
   */
  async customerLedger(query: CustomerLedgerQuery): Promise<CustomerLedger> {
    const today = utcDate(this.clock.now());
    const [period, rows] = await Promise.all([
      this.ledger.period(query),
      this.aging.report(
        {
          companyId: query.companyId,
          customerId: query.customerId,
          asOf: query.to,
          basis: 'due_date',
          path: agingPath(query.to, today),
        },
        { limit: 0 },
      ),
    ]);
    const closingMinor = period.entries.reduce((sum, e) => sum + e.amountMinor, period.openingMinor);
    const total = rows.find((r) => r.customer_id === null && r.currency.trim() === query.currency);
    const aging: AgingFigures = total
      ? figures(total)
      : {
          currency: query.currency,
          buckets: Object.fromEntries(
            AGING_BUCKETS.map((b) => [b, { amount_minor: 0, invoices: 0 }]),
          ) as AgingFigures['buckets'],
          total_minor: 0,
          invoices: 0,
        };
    return { openingMinor: period.openingMinor, entries: period.entries, closingMinor, aging };
  }

  /** The company's customers whose balance in a currency at the end of `asOf` is not zero. */
  async customersWithBalance(
    companyId: string,
    asOf: string,
  ): Promise<Array<{ customerId: string; currency: string; balanceMinor: bigint }>> {
    const rows = await this.ledger.customersWithBalance(companyId, asOf);
    return rows.map((r) => ({
      customerId: r.customer_id,
      currency: r.currency.trim(),
      balanceMinor: BigInt(r.balance_minor),
    }));
  }

  /** Companies with money owed on open invoices now. */
  companiesWithOpenBalances(): Promise<string[]> {
    return this.ledger.companiesWithOpenBalances();
  }

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

  /** What the payments module checks before taking money for an invoice; undefined when missing or foreign. */
  async invoiceForPayment(companyId: string, invoiceId: string): Promise<PayableInvoice | undefined> {
    const [row] = await this.dataSource.query<
      Array<{ customer_id: string; currency: string; status: string; balance_minor: string }>
    >('SELECT customer_id, currency, status, balance_minor FROM invoices WHERE company_id = $1 AND id = $2', [
      companyId,
      invoiceId,
    ]);
    if (!row) return undefined;
    return {
      customerId: row.customer_id,
      currency: row.currency.trim(),
      status: row.status,
      balanceMinor: BigInt(row.balance_minor),
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
