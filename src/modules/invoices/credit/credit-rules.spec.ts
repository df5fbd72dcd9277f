import { breachSeverity, utilisationBp, utilisationBucket } from './credit-rules';

const bands = { mediumFromPercent: 10, highFromPercent: 25 };

describe('breachSeverity', () => {
  it.each([
    [1n, 100_000n, 'low'],
    [9_999n, 100_000n, 'low'], // 9.999 %
    [10_000n, 100_000n, 'medium'], // exactly 10 %
    [24_999n, 100_000n, 'medium'],
    [25_000n, 100_000n, 'high'], // exactly 25 %
    [500_000n, 100_000n, 'high'],
    [1n, 0n, 'high'], // any overage of a zero limit
  ] as const)('an overage of %p on a limit of %p is %p', (overage, limit, severity) => {
    expect(breachSeverity(overage, limit, bands)).toBe(severity);
  });

  it('follows configured bands', () => {
    const strict = { mediumFromPercent: 1, highFromPercent: 5 };
    expect(breachSeverity(99n, 10_000n, strict)).toBe('low');
    expect(breachSeverity(100n, 10_000n, strict)).toBe('medium');
    expect(breachSeverity(500n, 10_000n, strict)).toBe('high');
  });

  it('never loses precision on large amounts', () => {
    const limit = 9_007_199_254_740_991n;
    const justUnder = (limit * 10n) / 100n - 1n; // < 10 %
    expect(breachSeverity(justUnder, limit, bands)).toBe('low');
    expect(breachSeverity(justUnder + 2n, limit, bands)).toBe('medium');
  });
});

describe('utilisation buckets (closed below, open above)', () => {
  it.each([
    [0n, 1000n, '0-25%'],
    [249n, 1000n, '0-25%'],
    [250n, 1000n, '25-50%'], // exactly 25 %
    [499n, 1000n, '25-50%'],
    [500n, 1000n, '50-75%'], // exactly 50 %
    [749n, 1000n, '50-75%'],
    [750n, 1000n, '75-100%'], // exactly 75 %
    [999n, 1000n, '75-100%'],
    [1000n, 1000n, '100%+'], // exactly 100 %
    [5000n, 1000n, '100%+'],
    [0n, 0n, '0-25%'], // a zero limit, nothing owed
    [1n, 0n, '100%+'],
    [1n, 3n, '25-50%'], // 33.3 %
    [2n, 3n, '50-75%'], // 66.7 %
  ] as const)('exposure %p of limit %p is in %p', (exposure, limit, bucket) => {
    expect(utilisationBucket(exposure, limit)).toBe(bucket);
  });

  it('reports utilisation in basis points rounded down', () => {
    expect(utilisationBp(250n, 1000n)).toBe(2500n);
    expect(utilisationBp(99_999n, 100_000n)).toBe(9999n);
    expect(utilisationBp(1n, 3n)).toBe(3333n);
    expect(utilisationBp(5n, 0n)).toBeNull();
  });
});
