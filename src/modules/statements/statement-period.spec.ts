import { DomainException } from '../../platform/http/domain-exception';
import {
  calendarMonth,
  monthsPeriod,
  periodMonthsLabel,
  previousMonth,
  resolvePeriod,
  wholeMonths,
} from './statement-period';

const refused = (fn: () => unknown): DomainException => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainException);
    return error as DomainException;
  }
  throw new Error('expected a refusal');
};

describe('statement periods', () => {
  it('ends period_months with the last full month before today', () => {
    expect(monthsPeriod(1, '2026-03-15')).toEqual({ from: '2026-02-01', to: '2026-02-28', months: 1 });
    expect(monthsPeriod(12, '2026-03-01')).toEqual({ from: '2025-03-01', to: '2026-02-28', months: 12 });
    expect(monthsPeriod(3, '2026-01-31')).toEqual({ from: '2025-10-01', to: '2025-12-31', months: 3 });
    expect(monthsPeriod(24, '2024-03-10')).toEqual({ from: '2022-03-01', to: '2024-02-29', months: 24 });
  });

  it('defaults to the last full month', () => {
    expect(resolvePeriod({}, '2026-11-23')).toEqual({ from: '2026-10-01', to: '2026-10-31', months: 1 });
  });

  it('takes explicit dates, and knows when they are whole months', () => {
    expect(resolvePeriod({ from: '2026-01-01', to: '2026-03-31' }, '2026-11-23')).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
      months: 3,
    });
    expect(resolvePeriod({ from: '2026-01-05', to: '2026-01-20' }, '2026-11-23').months).toBeNull();
    expect(resolvePeriod({ from: '2026-11-23', to: '2026-11-23' }, '2026-11-23').months).toBeNull();
  });

  it.each([
    [{ period_months: 0 }, 'statement-period-invalid', 'period_months'],
    [{ period_months: 25 }, 'statement-period-invalid', 'period_months'],
    [{ from: '2026-03-01', to: '2026-02-01' }, 'statement-period-invalid', 'from'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'statement-period-invalid', 'from'],
    [{ from: '2026-01-01' }, 'statement-period-invalid', 'to'],
    [{ from: '2026-11-01', to: '2026-11-24' }, 'statement-period-invalid', 'to'],
    [
      { period_months: 2, from: '2026-01-01', to: '2026-01-31' },
      'statement-period-ambiguous',
      'period_months',
    ],
    [{ from: '2024-10-31', to: '2026-10-31' }, 'statement-period-too-long', 'from'],
  ])('refuses %j as a 422 naming the field', (input, code, field) => {
    const error = refused(() => resolvePeriod(input, '2026-11-23'));
    expect(error.kind).toBe('unprocessable');
    expect(error.code).toBe(code);
    expect(error.errors[0].field).toBe(field);
  });

  it('allows exactly 24 months', () => {
    expect(resolvePeriod({ from: '2024-11-01', to: '2026-10-31' }, '2026-11-23').months).toBe(24);
  });

  it('labels whole months by their count and anything else custom', () => {
    expect(wholeMonths('2026-01-01', '2026-12-31')).toBe(12);
    expect(wholeMonths('2026-01-02', '2026-12-31')).toBeNull();
    expect(periodMonthsLabel({ from: '2026-02-01', to: '2026-02-28', months: null })).toBe('1');
    expect(periodMonthsLabel({ from: '2026-02-01', to: '2026-02-27', months: null })).toBe('custom');
    expect(periodMonthsLabel({ from: '2020-01-01', to: '2026-02-28', months: null })).toBe('custom');
  });

  it('reads a run month and finds the month before a date', () => {
    expect(calendarMonth('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28', months: 1 });
    expect(calendarMonth('2026-13')).toBeUndefined();
    expect(previousMonth('2026-01-01')).toBe('2025-12');
    expect(previousMonth('2026-03-31')).toBe('2026-02');
  });
});
