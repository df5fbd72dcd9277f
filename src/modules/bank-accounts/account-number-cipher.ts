import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for bank account and routing numbers at rest. The stored form is `iv (12) | tag (16) |
 * ciphertext`, one bytea: a fresh random iv per value, so equal numbers never look equal in the
 * database, and the tag makes any change to the bytes (or the wrong key) fail loudly on decrypt.
 */
export class AccountNumberCipher {
  private readonly key: Buffer;

  /** `keyBase64`: 32 bytes, base64 (BANK_ACCOUNT_ENCRYPTION_KEY). */
  constructor(keyBase64: string) {
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== 32) throw new Error('The bank account encryption key must be 32 bytes');
    this.key = key;
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws when the bytes were altered or were sealed under another key. */
  decrypt(sealed: Buffer): string {
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('Encrypted value is truncated');
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}
