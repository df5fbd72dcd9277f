import type { AgingBucket, LedgerEntry, LedgerEntryType } from '../invoices/invoices.service';

/** One line of a statement: an entry with what it did to the balance and the balance after it. */
export interface StatementLine {
  date: string;
  type: LedgerEntryType;
  reference: string;
  description: string;
  /** Raises the balance (an invoice); null otherwise. */
  debitMinor: bigint | null;
  /** Lowers it (an allocation, a void); null otherwise. */
  creditMinor: bigint | null;
  balanceMinor: bigint;
}

export interface StatementAddress {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

/** Everything a rendered statement shows; renderers (PDF, CSV) only lay it out. */
export interface StatementDocument {
  statementId: string;
  companyName: string;
  customer: { name: string; number: string; address: StatementAddress | null };
  currency: string;
  from: string;
  to: string;
  openingMinor: bigint;
  lines: StatementLine[];
  totalDebitMinor: bigint;
  totalCreditMinor: bigint;
  closingMinor: bigint;
  /** As of `to`, in the aging module's bucket order. */
  aging: Array<{ bucket: AgingBucket; amountMinor: bigint }>;
  agingTotalMinor: bigint;
  /** When the document was made (its only time of day); fixed per statement so reruns match. */
  generatedAt: Date;
}

/** What a line says beside its reference (the invoice's number, in a column of its own). */
export function describeEntry(entry: Pick<LedgerEntry, 'type' | 'source' | 'dueDate'>): string {
  switch (entry.type) {
    case 'invoice':
      return `Invoice, due ${entry.dueDate}`;
    case 'allocation':
      return entry.source === 'payment' ? 'Payment received' : 'Payment recorded';
    case 'void':
      return 'Invoice voided';
  }
}

/**
 * The statement's lines from the opening balance and the period's entries (in order): each with its
 * debit or credit and the running balance after it. The last balance is the closing balance.
 */
export function statementLines(openingMinor: bigint, entries: readonly LedgerEntry[]): StatementLine[] {
  let balance = openingMinor;
  return entries.map((entry) => {
    balance += entry.amountMinor;
    return {
      date: entry.date,
      type: entry.type,
      reference: entry.reference,
      description: describeEntry(entry),
      debitMinor: entry.amountMinor > 0n ? entry.amountMinor : null,
      creditMinor: entry.amountMinor < 0n ? -entry.amountMinor : null,
      balanceMinor: balance,
    };
  });
}

/** Totals of the period: debits, credits and the closing balance (opening + debits − credits). */
export function statementTotals(openingMinor: bigint, lines: readonly StatementLine[]) {
  const totalDebitMinor = lines.reduce((sum, l) => sum + (l.debitMinor ?? 0n), 0n);
  const totalCreditMinor = lines.reduce((sum, l) => sum + (l.creditMinor ?? 0n), 0n);
  return {
    totalDebitMinor,
    totalCreditMinor,
    closingMinor: openingMinor + totalDebitMinor - totalCreditMinor,
  };
}
