import { parse } from 'csv-parse/sync';
import { csvField, renderCsv } from './statement-csv';
import type { StatementDocument } from './statement-document';

describe('statement CSV', () => {
  it('quotes per RFC 4180 and defuses formulas in text fields only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=SUM(A1)', { text: true })).toBe("'=SUM(A1)");
    expect(csvField('-12.50')).toBe('-12.50');
  });

  it('writes opening, lines and closing that parse back', () => {
    const doc = {
      currency: 'KES',
      from: '2026-02-01',
      to: '2026-02-28',
      openingMinor: 150n,
      closingMinor: 100n,
      lines: [
        {
          date: '2026-02-03',
          type: 'allocation',
          reference: 'INV-000001',
          description: 'Payment, "thanks"',
          debitMinor: null,
          creditMinor: 50n,
          balanceMinor: 100n,
        },
      ],
    } as unknown as StatementDocument;
    const rows = parse<Record<string, string>>(renderCsv(doc), { columns: true });
    expect(rows).toEqual([
      expect.objectContaining({ date: '2026-02-01', type: 'opening_balance', balance: '1.50' }),
      expect.objectContaining({
        type: 'allocation',
        description: 'Payment, "thanks"',
        credit: '0.50',
        debit: '',
      }),
      expect.objectContaining({ date: '2026-02-28', type: 'closing_balance', balance: '1.00' }),
    ]);
  });
});
