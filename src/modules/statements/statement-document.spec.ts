import type { LedgerEntry } from '../invoices/invoices.service';
import { statementLines, statementTotals } from './statement-document';

const entry = (type: LedgerEntry['type'], amount: number, date = '2026-02-10'): LedgerEntry => ({
  date,
  type,
  reference: 'INV-000001',
  invoiceId: 'i',
  entryId: 'e',
  source: type === 'allocation' ? 'payment' : null,
  dueDate: '2026-03-01',
  amountMinor: BigInt(amount),
});

describe('statement lines', () => {
  it('runs the balance from the opening balance and splits debits from credits', () => {
    const lines = statementLines(5000n, [
      entry('invoice', 10000),
      entry('allocation', -3000),
      entry('void', -7000),
    ]);
    expect(lines.map((l) => [l.type, l.debitMinor, l.creditMinor, l.balanceMinor])).toEqual([
      ['invoice', 10000n, null, 15000n],
      ['allocation', null, 3000n, 12000n],
      ['void', null, 7000n, 5000n],
    ]);
    expect(lines.map((l) => l.description)).toEqual([
      'Invoice, due 2026-03-01',
      'Payment received',
      'Invoice voided',
    ]);
    expect(statementTotals(5000n, lines)).toEqual({
      totalDebitMinor: 10000n,
      totalCreditMinor: 10000n,
      closingMinor: 5000n,
    });
  });

  it('ends at the opening balance when nothing happened', () => {
    expect(statementLines(42n, [])).toEqual([]);
    expect(statementTotals(42n, []).closingMinor).toBe(42n);
  });
});
