import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';
import type { KeysetPosition } from '../../../platform/http/pagination';
import type { InvoiceStatus } from './invoice-totals';

/** bigint columns arrive as strings (exact), dates as `YYYY-MM-DD` text (never a local-time Date). */
export interface InvoiceRow {
  id: string;
  company_id: string;
  customer_id: string;
  invoice_number: string;
  currency: string;
  status: InvoiceStatus;
  issue_date: string;
  due_date: string;
  payment_terms_days: number | null;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
  allocated_minor: string;
  balance_minor: string;
  issued_at: Date | null;
  voided_at: Date | null;
  void_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface InvoiceLineRow {
  position: number;
  description: string;
  quantity_milli: string;
  unit_price_minor: string;
  tax_rate_bp: number;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
}

export interface AllocationRow {
  id: string;
  invoice_id: string;
  customer_id: string;
  amount_minor: string;
  currency: string;
  allocated_on: string;
  source: 'manual' | 'payment';
  payment_id: string | null;
  note: string | null;
  created_by: string | null;
  created_at: Date;
}

export interface NewLine {
  description: string;
  quantityMilli: bigint;
  unitPriceMinor: bigint;
  taxRateBp: number;
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

export interface DraftValues {
  issueDate: string;
  dueDate: string;
  paymentTermsDays: number | null;
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

export interface InvoiceFilter {
  customerId?: string;
  status?: string;
  dueFrom?: string;
  dueTo?: string;
}

const COLUMNS = `id, company_id, customer_id, invoice_number, currency, status, issue_date::text AS issue_date,
  due_date::text AS due_date, payment_terms_days, subtotal_minor, tax_minor, total_minor, allocated_minor,
  balance_minor, issued_at, voided_at, void_reason, created_at, updated_at`;

const ALLOCATION_COLUMNS = `id, invoice_id, customer_id, amount_minor, currency, allocated_on::text AS allocated_on,
  source, payment_id, note, created_by, created_at`;

/** Every query of the invoice ledger. */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * The company's next invoice number, inside the caller's transaction: the counter row stays locked
   * until it commits, so numbers are gapless (a rolled-back draft gives its number back).
   */
  async nextNumber(manager: EntityManager, companyId: string): Promise<string> {
    const [row] = await manager.query<Array<{ last_value: string }>>(
      `INSERT INTO invoice_number_counters (company_id, last_value) VALUES ($1, 1)
       ON CONFLICT (company_id) DO UPDATE SET last_value = invoice_number_counters.last_value + 1
       RETURNING last_value`,
      [companyId],
    );
    return row.last_value;
  }

  async insertDraft(
    manager: EntityManager,
    invoice: {
      companyId: string;
      customerId: string;
      invoiceNumber: string;
      currency: string;
      at: Date;
    } & DraftValues,
  ): Promise<InvoiceRow> {
    const [row] = await manager.query<InvoiceRow[]>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date,
                             payment_terms_days, subtotal_minor, tax_minor, total_minor, allocated_minor,
                             balance_minor, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, 0, $10, $11, $11)
       RETURNING ${COLUMNS}`,
      [
        invoice.companyId,
        invoice.customerId,
        invoice.invoiceNumber,
        invoice.currency,
        invoice.issueDate,
        invoice.dueDate,
        invoice.paymentTermsDays,
        invoice.subtotalMinor.toString(),
        invoice.taxMinor.toString(),
        invoice.totalMinor.toString(),
        invoice.at,
      ],
    );
    return row;
  }

  async updateDraft(manager: EntityManager, id: string, values: DraftValues, at: Date): Promise<void> {
    await manager.query(
      `UPDATE invoices SET issue_date = $2, due_date = $3, payment_terms_days = $4, subtotal_minor = $5,
              tax_minor = $6, total_minor = $7, balance_minor = $7, updated_at = $8
        WHERE id = $1 AND status = 'draft'`,
      [
        id,
        values.issueDate,
        values.dueDate,
        values.paymentTermsDays,
        values.subtotalMinor.toString(),
        values.taxMinor.toString(),
        values.totalMinor.toString(),
        at,
      ],
    );
  }

  /** Replaces an invoice's lines with these (one statement each way). */
  async replaceLines(manager: EntityManager, companyId: string, invoiceId: string, lines: NewLine[]) {
    await manager.query(`DELETE FROM invoice_lines WHERE invoice_id = $1`, [invoiceId]);
    await manager.query(
      `INSERT INTO invoice_lines (company_id, invoice_id, position, description, quantity_milli, unit_price_minor,
                                  tax_rate_bp, subtotal_minor, tax_minor, total_minor)
       SELECT $1, $2, l.position, l.description, l.quantity_milli, l.unit_price_minor, l.tax_rate_bp,
              l.subtotal_minor, l.tax_minor, l.total_minor
         FROM unnest($3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::bigint[], $9::bigint[], $10::bigint[])
           AS l(position, description, quantity_milli, unit_price_minor, tax_rate_bp, subtotal_minor, tax_minor, total_minor)`,
      [
        companyId,
        invoiceId,
        lines.map((_, index) => index + 1),
        lines.map((line) => line.description),
        lines.map((line) => line.quantityMilli.toString()),
        lines.map((line) => line.unitPriceMinor.toString()),
        lines.map((line) => line.taxRateBp),
        lines.map((line) => line.subtotalMinor.toString()),
        lines.map((line) => line.taxMinor.toString()),
        lines.map((line) => line.totalMinor.toString()),
      ],
    );
  }

  async lock(manager: EntityManager, companyId: string, id: string): Promise<InvoiceRow | undefined> {
    const [row] = await manager.query<InvoiceRow[]>(
      `SELECT ${COLUMNS} FROM invoices WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return row;
  }

  async find(companyId: string, id: string, manager?: EntityManager): Promise<InvoiceRow | undefined> {
    const [row] = await (manager ?? this.dataSource).query<InvoiceRow[]>(
      `SELECT ${COLUMNS} FROM invoices WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  lines(invoiceId: string, manager?: EntityManager): Promise<InvoiceLineRow[]> {
    return (manager ?? this.dataSource).query<InvoiceLineRow[]>(
      `SELECT position, description, quantity_milli, unit_price_minor, tax_rate_bp, subtotal_minor, tax_minor, total_minor
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`,
      [invoiceId],
    );
  }

  list(
    companyId: string,
    filter: InvoiceFilter,
    limit: number,
    after?: KeysetPosition,
  ): Promise<InvoiceRow[]> {
    const params: unknown[] = [companyId];
    const where = ['company_id = $1'];
    const add = (condition: (placeholder: string) => string, value: unknown): void => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (filter.customerId) add((p) => `customer_id = ${p}`, filter.customerId);
    if (filter.status) add((p) => `status = ${p}`, filter.status);
    if (filter.dueFrom) add((p) => `due_date >= ${p}::date`, filter.dueFrom);
    if (filter.dueTo) add((p) => `due_date <= ${p}::date`, filter.dueTo);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    return this.dataSource.query<InvoiceRow[]>(
      `SELECT ${COLUMNS} FROM invoices WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async markIssued(manager: EntityManager, id: string, at: Date): Promise<InvoiceRow> {
    const rows = returnedRows(
      await manager.query<InvoiceRow[]>(
        `UPDATE invoices SET status = 'open', issued_at = $2, balance_minor = total_minor, updated_at = $2
          WHERE id = $1 AND status = 'draft' RETURNING ${COLUMNS}`,
        [id, at],
      ),
    );
    return rows[0];
  }

  async markVoided(manager: EntityManager, id: string, reason: string, at: Date): Promise<InvoiceRow> {
    const rows = returnedRows(
      await manager.query<InvoiceRow[]>(
        `UPDATE invoices SET status = 'void', balance_minor = 0, voided_at = $2, void_reason = $3, updated_at = $2
          WHERE id = $1 AND allocated_minor = 0 RETURNING ${COLUMNS}`,
        [id, at, reason],
      ),
    );
    return rows[0];
  }

  /** The allocation a payment already made to this invoice, if any (payments are applied once). */
  async allocationOfPayment(
    manager: EntityManager,
    invoiceId: string,
    paymentId: string,
  ): Promise<AllocationRow | undefined> {
    const [row] = await manager.query<AllocationRow[]>(
      `SELECT ${ALLOCATION_COLUMNS} FROM invoice_allocations WHERE payment_id = $1 AND invoice_id = $2`,
      [paymentId, invoiceId],
    );
    return row;
  }

  /** Undefined when this payment was already allocated to this invoice (the unique index decides). */
  async insertAllocation(
    manager: EntityManager,
    allocation: {
      companyId: string;
      invoiceId: string;
      customerId: string;
      amountMinor: bigint;
      currency: string;
      allocatedOn: string;
      source: 'manual' | 'payment';
      paymentId: string | null;
      note: string | null;
      createdBy: string | null;
      at: Date;
    },
  ): Promise<AllocationRow | undefined> {
    const [row] = await manager.query<AllocationRow[]>(
      `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on,
                                        source, payment_id, note, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (payment_id, invoice_id) WHERE payment_id IS NOT NULL DO NOTHING
       RETURNING ${ALLOCATION_COLUMNS}`,
      [
        allocation.companyId,
        allocation.invoiceId,
        allocation.customerId,
        allocation.amountMinor.toString(),
        allocation.currency,
        allocation.allocatedOn,
        allocation.source,
        allocation.paymentId,
        allocation.note,
        allocation.createdBy,
        allocation.at,
      ],
    );
    return row;
  }

  /** Applies an allocation to the invoice's running amounts and status. */
  async applyAllocation(
    manager: EntityManager,
    id: string,
    amountMinor: bigint,
    status: InvoiceStatus,
    at: Date,
  ): Promise<InvoiceRow> {
    const rows = returnedRows(
      await manager.query<InvoiceRow[]>(
        `UPDATE invoices SET allocated_minor = allocated_minor + $2, balance_minor = balance_minor - $2,
                status = $3, updated_at = $4
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, amountMinor.toString(), status, at],
      ),
    );
    return rows[0];
  }

  allocations(invoiceId: string): Promise<AllocationRow[]> {
    return this.dataSource.query<AllocationRow[]>(
      `SELECT ${ALLOCATION_COLUMNS} FROM invoice_allocations WHERE invoice_id = $1 ORDER BY created_at, id`,
      [invoiceId],
    );
  }
}
