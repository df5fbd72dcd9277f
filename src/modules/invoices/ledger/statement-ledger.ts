import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What moved a customer's balance: an invoice issued (+), money allocated (−), an invoice voided (−). */
export const LEDGER_ENTRY_TYPES = ['invoice', 'allocation', 'void'] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

/** One entry of a customer's ledger in one currency, in statement order. */
export interface LedgerEntry {
  /** `YYYY-MM-DD`: the issue date, the allocation date, or the UTC date of the void. */
  date: string;
  type: LedgerEntryType;
  /** The invoice's number (an allocation and a void name the invoice they touch). */
  reference: string;
  invoiceId: string;
  /** The allocation's id for allocations, else the invoice's. */
  entryId: string;
  /** `payment` or `manual` for allocations; null otherwise. */
  source: string | null;
  /** The invoice's due date (for the description). */
  dueDate: string;
  /** Signed minor units: positive raises what the customer owes. */
  amountMinor: bigint;
}

export interface LedgerScope {
  companyId: string;
  customerId: string;
  currency: string;
  /** Inclusive calendar dates. */
  from: string;
  to: string;
}

export interface LedgerPeriod {
  /** The sum of every entry dated before `from`. */
  openingMinor: bigint;
  /** The entries dated `from` … `to`, in date order (invoices, then allocations, then voids in a day). */
  entries: LedgerEntry[];
}

/**
 * The date a void counts from: the UTC date it was voided, or the issue date when an invoice dated
 * ahead was voided before it (it then never owed anything: both entries fall on the same day).
 */
const VOID_DATE = (alias: string) =>
  `greatest((${alias}.voided_at AT TIME ZONE 'UTC')::date, ${alias}.issue_date)`;

/**
 * A customer's ledger entries up to the end of the period, in one statement: the invoices issued (not
 * drafts; a draft voided was never issued), the allocations, and the voids. A void takes off what the
 * invoice still owed when voided (its total less what was allocated to it), so every invoice's entries
 * add up to its balance and opening + entries = closing always holds. The opening balance is summed by
 * the database from the same entries; only the period's entries travel.
 *
 * Served by `invoices_company_customer` (company, customer, …) for invoices and by
 * `invoice_allocations_customer_date` (company, customer, date) INCLUDE (currency, amount, invoice) for
 * allocations; the invoice number of an allocation comes from the invoices already read.
 */
export function statementLedgerStatement(scope: LedgerScope): { text: string; values: unknown[] } {
  const text = `
    WITH inv AS MATERIALIZED (
      SELECT i.id, i.invoice_number, i.issue_date, i.due_date, i.total_minor, i.allocated_minor, i.status,
             i.voided_at, i.issued_at
        FROM invoices i
       WHERE i.company_id = $1 AND i.customer_id = $2 AND i.currency = $3 AND i.status <> 'draft'
         AND i.issued_at IS NOT NULL
    ),
    entries AS MATERIALIZED (
      SELECT inv.issue_date AS entry_date, 0 AS kind, 'invoice' AS type, inv.invoice_number AS reference,
             inv.id AS invoice_id, inv.id AS entry_id, NULL::text AS source, inv.due_date,
             inv.total_minor AS amount, inv.issued_at AS at
        FROM inv WHERE inv.issue_date <= $5::date
      UNION ALL
      SELECT a.allocated_on, 1, 'allocation', inv.invoice_number, inv.id, a.id, a.source, inv.due_date,
             -a.amount_minor, a.created_at
        FROM invoice_allocations a JOIN inv ON inv.id = a.invoice_id
       WHERE a.company_id = $1 AND a.customer_id = $2 AND a.currency = $3 AND a.allocated_on <= $5::date
      UNION ALL
      SELECT ${VOID_DATE('inv')}, 2, 'void', inv.invoice_number, inv.id, inv.id, NULL,
             inv.due_date, -(inv.total_minor - inv.allocated_minor), inv.voided_at
        FROM inv
       WHERE inv.status = 'void' AND ${VOID_DATE('inv')} <= $5::date
    )
    SELECT 'opening' AS type, NULL AS date, NULL AS reference, NULL::uuid AS invoice_id, NULL::uuid AS entry_id,
           NULL AS source, NULL AS due_date, coalesce(sum(amount), 0)::text AS amount,
           NULL::int AS kind, NULL::timestamptz AS at
      FROM entries WHERE entry_date < $4::date
    UNION ALL
    (SELECT type, to_char(entry_date, 'YYYY-MM-DD'), reference, invoice_id, entry_id, source,
            to_char(due_date, 'YYYY-MM-DD'), amount::text, kind, at
       FROM entries WHERE entry_date >= $4::date
      ORDER BY entry_date, kind, at, reference, entry_id)`;
  return { text, values: [scope.companyId, scope.customerId, scope.currency, scope.from, scope.to] };
}

interface LedgerRow {
  type: 'opening' | LedgerEntryType;
  date: string | null;
  reference: string | null;
  invoice_id: string | null;
  entry_id: string | null;
  source: string | null;
  due_date: string | null;
  amount: string;
}

/** The reads of a customer's ledger for statements: set-based, one statement per call. */
@Injectable()
export class StatementLedger {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async period(scope: LedgerScope): Promise<LedgerPeriod> {
    const { text, values } = statementLedgerStatement(scope);
    const rows = await this.dataSource.query<LedgerRow[]>(text, values);
    let openingMinor = 0n;
    const entries: LedgerEntry[] = [];
    for (const row of rows) {
      if (row.type === 'opening') {
        openingMinor = BigInt(row.amount);
        continue;
      }
      entries.push({
        date: row.date!,
        type: row.type,
        reference: row.reference!,
        invoiceId: row.invoice_id!,
        entryId: row.entry_id!,
        source: row.source,
        dueDate: row.due_date!,
        amountMinor: BigInt(row.amount),
      });
    }
    return { openingMinor, entries };
  }

  /**
   * Every customer of the company whose balance in a currency at the end of `asOf` is not zero, in one
   * statement: the sum of the same entries a statement lists (issued, allocated, voided by then), so a
   * customer is chosen exactly when its statement's closing balance is not zero.
   */
  customersWithBalance(
    companyId: string,
    asOf: string,
  ): Promise<Array<{ customer_id: string; currency: string; balance_minor: string }>> {
    return this.dataSource.query(
      `SELECT customer_id, currency, sum(amount)::text AS balance_minor
         FROM (SELECT customer_id, currency, total_minor AS amount FROM invoices
                WHERE company_id = $1 AND status <> 'draft' AND issued_at IS NOT NULL AND issue_date <= $2::date
               UNION ALL
               SELECT customer_id, currency, -amount_minor FROM invoice_allocations
                WHERE company_id = $1 AND allocated_on <= $2::date
               UNION ALL
               SELECT i.customer_id, i.currency, -(i.total_minor - i.allocated_minor) FROM invoices i
                WHERE i.company_id = $1 AND i.status = 'void' AND i.issued_at IS NOT NULL
                  AND ${VOID_DATE('i')} <= $2::date) e
        GROUP BY customer_id, currency HAVING sum(amount) <> 0
        ORDER BY customer_id, currency`,
      [companyId, asOf],
    );
  }

  /** Companies that have invoices with money owed now (a loose index scan of the open-invoices index). */
  async companiesWithOpenBalances(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ company_id: string }>>(
      `WITH RECURSIVE companies AS (
         (SELECT company_id FROM invoices WHERE status IN ('open', 'partially_paid') ORDER BY company_id LIMIT 1)
         UNION ALL
         SELECT (SELECT i.company_id FROM invoices i
                  WHERE i.status IN ('open', 'partially_paid') AND i.company_id > c.company_id
                  ORDER BY i.company_id LIMIT 1)
           FROM companies c WHERE c.company_id IS NOT NULL
       )
       SELECT company_id FROM companies WHERE company_id IS NOT NULL`,
    );
    return rows.map((r) => r.company_id);
  }
}
