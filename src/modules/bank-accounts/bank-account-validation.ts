/**
 * Seed 000 stage 3: the worker's own checks of a bank account's details, pure functions.
 * ABA routing numbers (US), account numbers (digits, 4–17) and IBANs (ISO 13616 mod-97 with the
 * country's length for common countries); the holder's name must be present.
 */

export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** `aba`: a US routing number and account number; `iban`: an international account number. */
export type ValidationType = 'aba' | 'iban';

export type ValidationCheck =
  | 'holder_name_present'
  | 'routing_number_format'
  | 'routing_checksum'
  | 'account_number_format'
  | 'iban_format'
  | 'iban_country_length'
  | 'iban_checksum';

export interface FailedCheck {
  check: ValidationCheck;
  field: string;
  message: string;
}

export interface BankDetails {
  accountHolderName: string;
  routingNumber?: string | null;
  accountNumber?: string | null;
  iban?: string | null;
}

export interface BankDetailsValidation {
  validationType: ValidationType;
  valid: boolean;
  checksPassed: ValidationCheck[];
  failedChecks: FailedCheck[];
  /** Fields absent or blank (seed 000's `missing_fields`). */
  missingFields: string[];
}

/** ABA routing number: 9 digits whose 3-7-1 weighted sum is a multiple of 10. */
export function abaRoutingChecksumValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const d = [...routing].map(Number);
  const sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
  return sum % 10 === 0;
}

/** A US account number: 4 to 17 digits. */
export function accountNumberFormatValid(accountNumber: string): boolean {
  return /^\d{4,17}$/.test(accountNumber);
}

/** IBAN lengths (ISO 13616 registry) of common countries. Others: only the 15–34 range is checked. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AT: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  LB: 28,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  QA: 29,
  RO: 24,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
};

/** Spaces removed, upper case: the electronic form of an IBAN. */
export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

/** Format: two letters, two check digits, 11–30 alphanumerics. */
export function ibanFormatValid(iban: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(normaliseIban(iban));
}

/** The country's registered length, or the general 15–34 range for a country not in the table. */
export function ibanLengthValid(iban: string): boolean {
  const value = normaliseIban(iban);
  const expected = IBAN_LENGTHS[value.slice(0, 2)];
  return expected === undefined ? value.length >= 15 && value.length <= 34 : value.length === expected;
}

/** ISO 13616 / ISO 7064 mod 97-10: the first four characters moved to the end, letters as 10–35, ≡ 1 (mod 97). */
export function ibanChecksumValid(iban: string): boolean {
  const value = normaliseIban(iban);
  if (!/^[A-Z0-9]{5,}$/.test(value)) return false;
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const blank = (value: string | null | undefined): boolean =>
  value === undefined || value === null || value.trim() === '';

/** Every check of stage 3, in order, with what passed, what failed and what is missing. */
export function validateBankDetails(details: BankDetails): BankDetailsValidation {
  const validationType: ValidationType = blank(details.iban) ? 'aba' : 'iban';
  const passed: ValidationCheck[] = [];
  const failed: FailedCheck[] = [];
  const missing: string[] = [];
  const check = (name: ValidationCheck, field: string, ok: boolean, message: string): boolean => {
    if (ok) passed.push(name);
    else failed.push({ check: name, field, message });
    return ok;
  };

  if (blank(details.accountHolderName)) {
    missing.push('account_holder_name');
    failed.push({ check: 'holder_name_present', field: 'account_holder_name', message: 'is missing' });
  } else {
    passed.push('holder_name_present');
  }

  if (validationType === 'iban') {
    const iban = normaliseIban(details.iban!);
    if (
      check(
        'iban_format',
        'iban',
        ibanFormatValid(iban),
        'must be 2 letters, 2 digits and 11–30 letters or digits',
      )
    ) {
      const expected = IBAN_LENGTHS[iban.slice(0, 2)];
      check(
        'iban_country_length',
        'iban',
        ibanLengthValid(iban),
        expected ? `must be ${expected} characters for ${iban.slice(0, 2)}` : 'must be 15–34 characters',
      );
      check('iban_checksum', 'iban', ibanChecksumValid(iban), 'check digits do not match (mod 97)');
    }
  } else {
    if (blank(details.routingNumber)) {
      missing.push('routing_number');
      failed.push({ check: 'routing_number_format', field: 'routing_number', message: 'is missing' });
    } else {
      const routing = details.routingNumber!.trim();
      if (check('routing_number_format', 'routing_number', /^\d{9}$/.test(routing), 'must be 9 digits')) {
        check(
          'routing_checksum',
          'routing_number',
          abaRoutingChecksumValid(routing),
          'fails the ABA checksum (3-7-1 weights)',
        );
      }
    }
    if (blank(details.accountNumber)) {
      missing.push('account_number');
      failed.push({ check: 'account_number_format', field: 'account_number', message: 'is missing' });
    } else {
      check(
        'account_number_format',
        'account_number',
        accountNumberFormatValid(details.accountNumber!.trim()),
        'must be 4 to 17 digits',
      );
    }
  }
  return {
    validationType,
    valid: failed.length === 0,
    checksPassed: passed,
    failedChecks: failed,
    missingFields: missing,
  };
}

/** `*****0021`: all but the last four characters hidden (a value of 4 or fewer is hidden whole). */
export function maskTail(value: string): string {
  return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 4) + value.slice(-4);
}

/** `GB**************5432`: the country code and the last four characters, nothing else. */
export function maskIban(iban: string): string {
  const value = normaliseIban(iban);
  if (value.length <= 6) return '*'.repeat(value.length);
  return value.slice(0, 2) + '*'.repeat(value.length - 6) + value.slice(-4);
}
