import {
  formatVoucherCode,
  newVoucherCode,
  normaliseVoucherCode,
  VOUCHER_ALPHABET,
  voucherCodeHash,
  voucherCodeHint,
} from './voucher-code';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('voucher codes', () => {
  it('are 16 Crockford base32 characters in four groups', () => {
    for (let i = 0; i < 1000; i += 1) {
      const code = newVoucherCode();
      expect(code).toMatch(FORMAT);
      expect(code.replace(/-/g, '')).toHaveLength(16);
      for (const letter of code.replace(/-/g, '')) expect(VOUCHER_ALPHABET).toContain(letter);
    }
    expect(VOUCHER_ALPHABET).toHaveLength(32);
    expect(new Set(VOUCHER_ALPHABET).size).toBe(32);
    expect(VOUCHER_ALPHABET).not.toMatch(/[ILOU]/);
  });

  it('do not repeat over 100k codes', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) codes.add(newVoucherCode());
    expect(codes.size).toBe(100_000);
  });

  it('use every character of the alphabet evenly, in every position', () => {
    // 20k codes x 16 positions = 320k characters, 10k expected per letter. For a uniform source the
    // chi-square statistic over 31 degrees of freedom has mean 31 and sd ~7.9; the bound 150 is ~15 sd
    // away (p < 1e-15), while a bias as small as one letter at 2x its share lands far above it.
    const counts = new Map<string, number>();
    const perPosition: Array<Map<string, number>> = Array.from({ length: 16 }, () => new Map());
    const n = 20_000;
    for (let i = 0; i < n; i += 1) {
      [...newVoucherCode().replace(/-/g, '')].forEach((letter, position) => {
        counts.set(letter, (counts.get(letter) ?? 0) + 1);
        perPosition[position].set(letter, (perPosition[position].get(letter) ?? 0) + 1);
      });
    }
    const chiSquare = (observed: Map<string, number>, total: number) => {
      const expected = total / 32;
      return [...VOUCHER_ALPHABET].reduce((sum, letter) => {
        const diff = (observed.get(letter) ?? 0) - expected;
        return sum + (diff * diff) / expected;
      }, 0);
    };
    expect(counts.size).toBe(32);
    expect(chiSquare(counts, n * 16)).toBeLessThan(150);
    // Per position: 625 expected per letter; a stuck bit would double or zero half the letters.
    for (const position of perPosition) expect(chiSquare(position, n)).toBeLessThan(150);
  });

  it('normalise case, separators and look-alike letters', () => {
    const code = newVoucherCode();
    const plain = code.replace(/-/g, '');
    expect(normaliseVoucherCode(code)).toBe(plain);
    expect(normaliseVoucherCode(plain.toLowerCase())).toBe(plain);
    expect(normaliseVoucherCode(` ${code.toLowerCase().replace(/-/g, ' ')} `)).toBe(plain);
    expect(normaliseVoucherCode('O0IL-oilo-1234-ABCD')).toBe('001101101234ABCD');
    expect(normaliseVoucherCode('oO0i-Il1L-ABCD-EFGH')).toBe('00011111ABCDEFGH');
  });

  it('refuse what is not 16 characters of the alphabet', () => {
    expect(normaliseVoucherCode('')).toBeNull();
    expect(normaliseVoucherCode('ABCD-EFGH-JKMN-PQR')).toBeNull();
    expect(normaliseVoucherCode('ABCD-EFGH-JKMN-PQRST')).toBeNull();
    expect(normaliseVoucherCode('ABCD-EFGH-JKMN-PQRU')).toBeNull();
    expect(normaliseVoucherCode('ABCD_EFGH_JKMN_PQRS')).toBeNull();
    expect(normaliseVoucherCode('ABCD.EFGH.JKMN.PQRS')).toBeNull();
    expect(normaliseVoucherCode('ÄBCD-EFGH-JKMN-PQRS')).toBeNull();
    expect(normaliseVoucherCode(`${'-'.repeat(100)}ABCDEFGHJKMNPQRS`)).toBeNull();
    expect(normaliseVoucherCode(42 as unknown as string)).toBeNull();
  });

  it('hash the normalised form, and hint with its last four characters', () => {
    const code = newVoucherCode();
    const plain = normaliseVoucherCode(code)!;
    const hash = voucherCodeHash(plain);
    expect(hash).toHaveLength(32);
    expect(voucherCodeHash(normaliseVoucherCode(plain.toLowerCase())!).equals(hash)).toBe(true);
    expect(voucherCodeHash(normaliseVoucherCode(newVoucherCode())!).equals(hash)).toBe(false);
    expect(hash.toString('latin1')).not.toContain(plain);
    expect(voucherCodeHint(plain)).toBe(code.slice(-4));
    expect(formatVoucherCode(plain)).toBe(code);
  });
});
