/**
 * ISO 4217 currencies whose minor unit is not the hundredth: the number of decimals of their minor
 * unit. Every other currency has two.
 */
const MINOR_UNIT_DECIMALS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Decimals of the currency's minor unit (JPY 0, KES 2, BHD 3). */
export function minorUnitDecimals(currency: string): number {
  return MINOR_UNIT_DECIMALS[currency.trim().toUpperCase()] ?? 2;
}

/**
 * An amount in minor units as people read it: the ISO code, thousands separated by commas, exactly the
 * currency's decimals (`KES 1,234.50`, `JPY 1,500`, `BHD 1.250`). Integer arithmetic only, so any
 * bigint amount formats exactly; PostgreSQL's bigint arrives as a string and is accepted as one.
 */
export function formatMoney(amountMinor: bigint | number | string, currency: string): string {
  const code = currency.trim().toUpperCase();
  return `${code} ${formatAmount(amountMinor, code, { grouping: true })}`;
}

/**
 * The amount alone, with exactly the currency's decimals: `1,234.50` with grouping, `1234.50` without
 * (what a spreadsheet reads back as a number: statements' CSV). Negative amounts lead with `-`.
 */
export function formatAmount(
  amountMinor: bigint | number | string,
  currency: string,
  { grouping }: { grouping: boolean },
): string {
  if (typeof amountMinor === 'number' && !Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`${amountMinor} is not a whole number of minor units`);
  }
  if (typeof amountMinor === 'string' && !/^-?\d+$/.test(amountMinor.trim())) {
    throw new RangeError(`${amountMinor} is not a whole number of minor units`);
  }
  const decimals = minorUnitDecimals(currency);
  const minor = BigInt(typeof amountMinor === 'string' ? amountMinor.trim() : amountMinor);
  const negative = minor < 0n;
  const absolute = negative ? -minor : minor;
  const unit = 10n ** BigInt(decimals);
  const digits = (absolute / unit).toString();
  const whole = grouping ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : digits;
  const fraction = decimals > 0 ? `.${(absolute % unit).toString().padStart(decimals, '0')}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
