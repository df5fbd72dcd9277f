import fc from 'fast-check';
import {
  addDays,
  divideRoundHalfUp,
  formatInvoiceNumber,
  formatQuantity,
  invoiceAmounts,
  isCalendarDate,
  lineAmounts,
  parseQuantityMilli,
  statusAfterAllocation,
} from './invoice-totals';

const line = (quantity: string, unitPrice: number, taxRateBp = 0) =>
  lineAmounts({
    quantityMilli: parseQuantityMilli(quantity)!,
    unitPriceMinor: BigInt(unitPrice),
    taxRateBp,
  });

describe('parseQuantityMilli', () => {
  it.each([
    ['2.5', 2500n],
    [2.5, 2500n],
    ['3', 3000n],
    [' 3 ', 3000n],
    ['0.001', 1n],
    [0.001, 1n],
    ['1.005', 1005n],
    [1.005, 1005n],
    ['0', 0n],
    ['999999999.999', 999_999_999_999n],
  ])('reads %p as %p thousandths', (input, expected) => {
    expect(parseQuantityMilli(input)).toBe(expected);
  });

  it.each([
    ['-1'],
    [-1],
    ['1.0005'],
    [0.1 + 0.2], // 0.30000000000000004: a float artefact, not a quantity
    ['1e3'],
    [1e21],
    ['3.'],
    ['.5'],
    ['1,5'],
    ['1000000000'],
    [Number.NaN],
    [Infinity],
    [true],
    [null],
    [{}],
  ])('refuses %p', (input) => {
    expect(parseQuantityMilli(input)).toBeUndefined();
  });

  it('formats thousandths back to the shortest decimal', () => {
    expect(formatQuantity(2500n)).toBe('2.5');
    expect(formatQuantity(3000n)).toBe('3');
    expect(formatQuantity(1n)).toBe('0.001');
    expect(formatQuantity(1050n)).toBe('1.05');
  });
});

describe('divideRoundHalfUp', () => {
  it('rounds exact halves up and everything else to nearest', () => {
    expect(divideRoundHalfUp(4500n, 1000n)).toBe(5n);
    expect(divideRoundHalfUp(4499n, 1000n)).toBe(4n);
    expect(divideRoundHalfUp(4501n, 1000n)).toBe(5n);
    expect(divideRoundHalfUp(500n, 1000n)).toBe(1n);
    expect(divideRoundHalfUp(499n, 1000n)).toBe(0n);
    expect(divideRoundHalfUp(0n, 1000n)).toBe(0n);
    expect(divideRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divideRoundHalfUp(7n, 3n)).toBe(2n);
    expect(divideRoundHalfUp(8n, 3n)).toBe(3n);
  });

  it('refuses a negative numerator or a non-positive divisor', () => {
    expect(() => divideRoundHalfUp(-1n, 10n)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });

  it('is the nearest integer, ties going up (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const r = divideRoundHalfUp(n, d);
        // r - 1/2 <= n/d < r + 1/2, in integers: 2n - 2rd in [-d, d)
        const twice = 2n * n - 2n * r * d;
        return twice >= -d && twice < d;
      }),
    );
  });
});

describe('line and invoice amounts', () => {
  it('rounds the line subtotal half up from thousandths', () => {
    expect(line('1.5', 3)).toEqual({ subtotalMinor: 5n, taxMinor: 0n, totalMinor: 5n }); // 4.5 → 5
    expect(line('0.333', 3).subtotalMinor).toBe(1n); // 0.999 → 1
    expect(line('0.5', 1).subtotalMinor).toBe(1n); // 0.5 → 1
    expect(line('0.499', 1).subtotalMinor).toBe(0n); // 0.499 → 0
    expect(line('1.005', 100).subtotalMinor).toBe(101n); // 100.5 → 101 (a float would say 100.49999…)
    expect(line('2', 1999).subtotalMinor).toBe(3998n);
  });

  it('rounds the tax of each line half up from basis points', () => {
    expect(line('1', 5, 1000)).toEqual({ subtotalMinor: 5n, taxMinor: 1n, totalMinor: 6n }); // 0.5 → 1
    expect(line('1', 4, 1250).taxMinor).toBe(1n); // 0.5 → 1
    expect(line('1', 12, 1250).taxMinor).toBe(2n); // 1.5 → 2
    expect(line('1', 3, 1600).taxMinor).toBe(0n); // 0.48 → 0
    expect(line('1', 1234, 1600).taxMinor).toBe(197n); // 197.44 → 197
    expect(line('1', 1250, 1600).taxMinor).toBe(200n);
    expect(line('1', 999, 10000).taxMinor).toBe(999n); // 100 %
    expect(line('1', 999, 0).taxMinor).toBe(0n);
  });

  it('taxes the rounded subtotal, not the unrounded product', () => {
    // 1.5 × 3 = 4.5 → subtotal 5; 5 × 10 % = 0.5 → tax 1 (4.5 × 10 % = 0.45 would round to 0)
    expect(line('1.5', 3, 1000)).toEqual({ subtotalMinor: 5n, taxMinor: 1n, totalMinor: 6n });
  });

  it('sums rounded lines (two halves make two, not one)', () => {
    const amounts = invoiceAmounts([
      { quantityMilli: 500n, unitPriceMinor: 1n, taxRateBp: 0 },
      { quantityMilli: 500n, unitPriceMinor: 1n, taxRateBp: 0 },
    ]);
    expect(amounts.subtotalMinor).toBe(2n);
    expect(amounts.totalMinor).toBe(2n);
  });

  it('adds up a mixed invoice', () => {
    const amounts = invoiceAmounts([
      { quantityMilli: 2500n, unitPriceMinor: 1999n, taxRateBp: 1600 }, // 4997.5 → 4998; 799.68 → 800
      { quantityMilli: 1000n, unitPriceMinor: 100000n, taxRateBp: 0 }, // 100000; 0
      { quantityMilli: 333n, unitPriceMinor: 10n, taxRateBp: 1250 }, // 3.33 → 3; 0.375 → 0
    ]);
    expect(amounts.lines).toEqual([
      { subtotalMinor: 4998n, taxMinor: 800n, totalMinor: 5798n },
      { subtotalMinor: 100000n, taxMinor: 0n, totalMinor: 100000n },
      { subtotalMinor: 3n, taxMinor: 0n, totalMinor: 3n },
    ]);
    expect(amounts).toMatchObject({ subtotalMinor: 105001n, taxMinor: 800n, totalMinor: 105801n });
  });

  it('keeps total = subtotal + tax for every line and invoice (property)', () => {
    const lineArb = fc.record({
      quantityMilli: fc.bigInt({ min: 1n, max: 999_999_999_999n }),
      unitPriceMinor: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      taxRateBp: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), (lines) => {
        const amounts = invoiceAmounts(lines);
        return (
          amounts.totalMinor === amounts.subtotalMinor + amounts.taxMinor &&
          amounts.lines.every(
            (l) => l.totalMinor === l.subtotalMinor + l.taxMinor && l.taxMinor <= l.subtotalMinor,
          )
        );
      }),
    );
  });

  it('refuses negative amounts and tax rates out of range', () => {
    expect(() => lineAmounts({ quantityMilli: -1n, unitPriceMinor: 1n, taxRateBp: 0 })).toThrow(RangeError);
    expect(() => lineAmounts({ quantityMilli: 1n, unitPriceMinor: -1n, taxRateBp: 0 })).toThrow(RangeError);
    expect(() => lineAmounts({ quantityMilli: 1n, unitPriceMinor: 1n, taxRateBp: 10001 })).toThrow(
      RangeError,
    );
    expect(() => lineAmounts({ quantityMilli: 1n, unitPriceMinor: 1n, taxRateBp: 1.5 })).toThrow(RangeError);
  });
});

describe('status, numbers and dates', () => {
  it('derives the status from the allocated amount', () => {
    expect(statusAfterAllocation(1000n, 0n)).toBe('open');
    expect(statusAfterAllocation(1000n, 1n)).toBe('partially_paid');
    expect(statusAfterAllocation(1000n, 999n)).toBe('partially_paid');
    expect(statusAfterAllocation(1000n, 1000n)).toBe('paid');
  });

  it('numbers invoices INV-000001 and grows past six digits', () => {
    expect(formatInvoiceNumber(1)).toBe('INV-000001');
    expect(formatInvoiceNumber(123456)).toBe('INV-123456');
    expect(formatInvoiceNumber(1234567n)).toBe('INV-1234567');
  });

  it('knows calendar dates and adds days across months and leap years', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2025-13-01')).toBe(false);
    expect(isCalendarDate('2025-1-01')).toBe(false);
    expect(isCalendarDate('2025-01-01T00:00:00Z')).toBe(false);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-31', 30)).toBe('2025-03-02');
    expect(addDays('2025-12-31', 0)).toBe('2025-12-31');
  });
});
