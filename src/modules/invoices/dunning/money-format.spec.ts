import { formatAmount, formatMoney, minorUnitDecimals } from './money-format';

describe('formatMoney', () => {
  it('formats two-decimal currencies from minor units with thousands separators', () => {
    expect(formatMoney(123450, 'KES')).toBe('KES 1,234.50');
    expect(formatMoney(100, 'USD')).toBe('USD 1.00');
    expect(formatMoney(5, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(0, 'KES')).toBe('KES 0.00');
    expect(formatMoney(100000000, 'KES')).toBe('KES 1,000,000.00');
  });

  it('uses the ISO 4217 minor unit: none for JPY, thousandths for BHD', () => {
    expect(formatMoney(1500, 'JPY')).toBe('JPY 1,500');
    expect(formatMoney(1250, 'BHD')).toBe('BHD 1.250');
    expect(formatMoney(7, 'KWD')).toBe('KWD 0.007');
    expect(minorUnitDecimals('UGX')).toBe(0);
    expect(minorUnitDecimals('kes')).toBe(2);
  });

  it("takes PostgreSQL's bigint strings and bigints, exactly, beyond a double's precision", () => {
    expect(formatMoney('123450', 'KES')).toBe('KES 1,234.50');
    expect(formatMoney(9007199254740993n, 'KES')).toBe('KES 90,071,992,547,409.93');
    expect(formatMoney('9223372036854775807', 'USD')).toBe('USD 92,233,720,368,547,758.07');
  });

  it('normalises the currency code and signs negative amounts', () => {
    expect(formatMoney(-1200, ' kes ')).toBe('KES -12.00');
  });

  it('refuses amounts that are not whole minor units', () => {
    expect(() => formatMoney(12.5, 'KES')).toThrow(RangeError);
    expect(() => formatMoney('12.50', 'KES')).toThrow(RangeError);
    expect(() => formatMoney('', 'KES')).toThrow(RangeError);
  });
});

describe('formatAmount', () => {
  it('writes the bare amount, grouped or not, with the currency decimals and a leading minus', () => {
    expect(formatAmount(123450, 'KES', { grouping: false })).toBe('1234.50');
    expect(formatAmount(123450, 'KES', { grouping: true })).toBe('1,234.50');
    expect(formatAmount(-5, 'EUR', { grouping: false })).toBe('-0.05');
    expect(formatAmount('1500', 'JPY', { grouping: false })).toBe('1500');
    expect(formatAmount(1250n, 'BHD', { grouping: false })).toBe('1.250');
  });
});
