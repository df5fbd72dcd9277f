import { DomainException } from '../../../platform/http/domain-exception';
import { agingPage, decodeAgingCursor, encodeAgingCursor, figures } from './aging-response';
import type { AgingRow } from './aging.repository';

const row = (customerId: string | null, currency: string, total: number): AgingRow => ({
  customer_id: customerId,
  currency,
  customer_number: customerId ? 'CUST-1' : null,
  name: customerId ? 'Amina' : null,
  current_minor: '100',
  days_1_30_minor: '0',
  days_31_60_minor: '250',
  days_61_90_minor: '0',
  days_over_90_minor: String(total - 350),
  total_minor: String(total),
  current_invoices: 1,
  days_1_30_invoices: 0,
  days_31_60_invoices: 2,
  days_61_90_invoices: 0,
  days_over_90_invoices: 1,
  invoices: 4,
});

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('aging answers', () => {
  it('names every bucket with its amount and invoice count, as integers', () => {
    expect(figures(row(null, 'KES', 1000))).toEqual({
      currency: 'KES',
      buckets: {
        current: { amount_minor: 100, invoices: 1 },
        '1-30': { amount_minor: 0, invoices: 0 },
        '31-60': { amount_minor: 250, invoices: 2 },
        '61-90': { amount_minor: 0, invoices: 0 },
        '90+': { amount_minor: 650, invoices: 1 },
      },
      total_minor: 1000,
      invoices: 4,
    });
  });

  it('splits totals from the customer page and offers a cursor only when there is more', () => {
    const rows = [row(null, 'KES', 900), row(A, 'KES', 400), row(A, 'USD', 400), row(B, 'KES', 500)];
    const page = agingPage(rows, 2);
    expect(page.totals.map((t) => t.currency)).toEqual(['KES']);
    expect(page.data.map((d) => [d.customer_id, d.currency])).toEqual([
      [A, 'KES'],
      [A, 'USD'],
    ]);
    expect(decodeAgingCursor(page.next_cursor!)).toEqual({ customerId: A, currency: 'USD' });
    expect(agingPage(rows, 3).next_cursor).toBeNull();
  });

  it('round-trips cursors and refuses forged ones as a 400 on cursor', () => {
    expect(decodeAgingCursor(encodeAgingCursor({ customerId: B, currency: 'EUR' }))).toEqual({
      customerId: B,
      currency: 'EUR',
    });
    for (const forged of [
      'nope',
      Buffer.from('["x","KES"]').toString('base64url'),
      encodeAgingCursor({ customerId: A, currency: "K'; --" }),
    ]) {
      expect(() => decodeAgingCursor(forged)).toThrow(DomainException);
    }
  });
});
