import { randomBytes } from 'node:crypto';
import { AccountNumberCipher } from './account-number-cipher';

describe('AccountNumberCipher', () => {
  const key = randomBytes(32).toString('base64');
  const cipher = new AccountNumberCipher(key);

  it('round-trips a number', () => {
    expect(cipher.decrypt(cipher.encrypt('000123456789'))).toBe('000123456789');
  });

  it('never stores the number in clear, and two encryptions of one number differ (fresh iv)', () => {
    const a = cipher.encrypt('000123456789');
    const b = cipher.encrypt('000123456789');
    expect(a.toString('latin1')).not.toContain('000123456789');
    expect(a.equals(b)).toBe(false);
    expect(a.length).toBe(12 + 16 + 12);
  });

  it('detects tampering with the ciphertext, the tag or the iv', () => {
    const sealed = cipher.encrypt('000123456789');
    for (const index of [0, 12, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] ^= 0x01;
      expect(() => cipher.decrypt(tampered)).toThrow();
    }
    expect(() => cipher.decrypt(sealed.subarray(0, 20))).toThrow(/truncated/);
  });

  it('refuses another key', () => {
    const other = new AccountNumberCipher(randomBytes(32).toString('base64'));
    expect(() => other.decrypt(cipher.encrypt('000123456789'))).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new AccountNumberCipher(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
