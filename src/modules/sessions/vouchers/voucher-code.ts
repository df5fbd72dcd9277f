import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so a code read aloud or off a scratch card is not misread. */
export const VOUCHER_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters of 5 bits: 80 random bits, far beyond guessing at any request rate. */
export const VOUCHER_CODE_LENGTH = 16;
const GROUP = 4;
/** Longer input is not a code with separators in it: refuse it before doing any work. */
const MAX_INPUT_LENGTH = 64;
/** Crockford's decoding of the letters it leaves out; U stays invalid (its check symbol only). */
const LOOKALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };
const VALID = new RegExp(`^[${VOUCHER_ALPHABET}]{${VOUCHER_CODE_LENGTH}}$`);

/** XXXX-XXXX-XXXX-XXXX, as printed on a card. */
export function formatVoucherCode(normalised: string): string {
  return normalised.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join('-');
}

/**
 * A new code, formatted: 10 random bytes read as 16 groups of 5 bits, each an index into the
 * 32-letter alphabet. 32 divides 2^5, so every character is uniform (no modulo bias).
 */
export function newVoucherCode(): string {
  const bytes = randomBytes((VOUCHER_CODE_LENGTH * 5) / 8);
  let bits = 0;
  let value = 0;
  let code = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      code += VOUCHER_ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return formatVoucherCode(code);
}

/**
 * A code as someone typed it, in the one form that is hashed: upper case, without spaces or dashes,
 * O read as 0 and I or L as 1. Null when that is not 16 characters of the alphabet.
 */
export function normaliseVoucherCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const normalised = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[OIL]/g, (letter) => LOOKALIKES[letter]);
  return VALID.test(normalised) ? normalised : null;
}

/**
 * What is stored of a code: its SHA-256. A plain hash is enough (no salt, no slow KDF): the code has
 * 80 random bits, so there is no dictionary to try, and a lookup by hash needs a deterministic one.
 */
export function voucherCodeHash(normalised: string): Buffer {
  return createHash('sha256').update(normalised, 'utf8').digest();
}

/** The last four characters: enough for support to tell cards apart, nothing towards guessing one. */
export function voucherCodeHint(normalised: string): string {
  return normalised.slice(-GROUP);
}
