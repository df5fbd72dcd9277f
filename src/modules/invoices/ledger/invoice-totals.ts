/**
 * Invoice arithmetic, in integers only (BigInt): quantities are thousandths (`quantity_milli`), prices
 * and amounts minor units, tax rates basis points. No floating point touches money.
 *
 * - line subtotal = quantity_milli × unit_price_minor / 1000, rounded half up
 * - line tax      = line subtotal × tax_rate_bp / 10000, rounded half up
 * - line total    = subtotal + tax; the invoice's subtotal, tax and total are the sums of its lines
 */

/** The largest amount the API accepts or produces: money is a JSON number, so it must stay exact. */
export const MAX_MINOR = BigInt(Number.MAX_SAFE_INTEGER);
/** The largest quantity (999,999,999.999): with any price it keeps the products inside bigint. */
export const MAX_QUANTITY_MILLI = 999_999_999_999n;
export const MAX_TAX_RATE_BP = 10_000;

const QUANTITY = /^(\d{1,9})(?:\.(\d{1,3}))?$/;

/**
 * A quantity as a decimal string (`"2.5"`) or JSON number (`2.5`) with at most three decimals, as
 * thousandths; undefined when it is not one (negative, exponent, more decimals, not a number). Zero
 * parses (to 0n): whether zero is allowed is the caller's rule.
 */
export function parseQuantityMilli(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value); // shortest round-trip form: 2.5 → "2.5", 1e21 → "1e+21" (refused below)
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  return BigInt(match[1]) * 1000n + BigInt((match[2] ?? '').padEnd(3, '0'));
}

/** Thousandths back to the shortest decimal string: 2500n → "2.5", 3000n → "3". */
export function formatQuantity(milli: bigint): string {
  const whole = milli / 1000n;
  const fraction = (milli % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** numerator / divisor rounded half up (away from zero at .5), for a non-negative numerator. */
export function divideRoundHalfUp(numerator: bigint, divisor: bigint): bigint {
  if (numerator < 0n || divisor <= 0n) throw new RangeError('divideRoundHalfUp takes n >= 0 and d > 0');
  return (numerator * 2n + divisor) / (divisor * 2n);
}

export interface LineInput {
  quantityMilli: bigint;
  unitPriceMinor: bigint;
  taxRateBp: number;
}

export interface LineAmounts {
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

export interface InvoiceAmounts extends LineAmounts {
  lines: LineAmounts[];
}

export function lineAmounts(line: LineInput): LineAmounts {
  if (line.quantityMilli < 0n || line.unitPriceMinor < 0n) throw new RangeError('negative line amount');
  if (!Number.isInteger(line.taxRateBp) || line.taxRateBp < 0 || line.taxRateBp > MAX_TAX_RATE_BP) {
    throw new RangeError('tax rate out of range');
  }
  const subtotalMinor = divideRoundHalfUp(line.quantityMilli * line.unitPriceMinor, 1000n);
  const taxMinor = divideRoundHalfUp(subtotalMinor * BigInt(line.taxRateBp), 10_000n);
  return { subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor };
}

/** Every line's amounts and the invoice's sums. */
export function invoiceAmounts(lines: LineInput[]): InvoiceAmounts {
  const amounts = lines.map(lineAmounts);
  const sum = (pick: (line: LineAmounts) => bigint) => amounts.reduce((acc, line) => acc + pick(line), 0n);
  return {
    lines: amounts,
    subtotalMinor: sum((line) => line.subtotalMinor),
    taxMinor: sum((line) => line.taxMinor),
    totalMinor: sum((line) => line.totalMinor),
  };
}

export const INVOICE_STATUSES = ['draft', 'open', 'partially_paid', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** An issued invoice's status from what has been allocated against it. */
export function statusAfterAllocation(totalMinor: bigint, allocatedMinor: bigint): InvoiceStatus {
  if (allocatedMinor <= 0n) return 'open';
  return allocatedMinor >= totalMinor ? 'paid' : 'partially_paid';
}

/** `INV-000001`: the company's sequence, six digits at least (more when it outgrows them). */
export function formatInvoiceNumber(sequence: number | bigint): string {
  return `INV-${sequence.toString().padStart(6, '0')}`;
}

/** Whether `YYYY-MM-DD` is a real calendar date. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** `YYYY-MM-DD` plus whole days, in calendar (UTC) arithmetic. */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}
