/**
 * The one redaction list. Every log line passes through `redactLogObject` (pino formatter), so a
 * field that names PII or a secret, or a string that looks like an email or a long number, never
 * reaches stdout in clear.
 */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'cookie',
  'setcookie',
  'apikey',
  'jwt',
  'clientsecret',
  // WiFi: a prepaid voucher is money, and a device key speaks for an access controller.
  'vouchercode',
  'devicekey',
  'xdevicekey',
  'jwtsecret',
  'cvv',
  'cvc',
  'pin',
]);

const PII_KEYS = new Set([
  'email',
  'phone',
  'mobile',
  'msisdn',
  'phonenumber',
  'accountnumber',
  'bankaccount',
  'bankaccountnumber',
  'routingnumber',
  'iban',
  'cardnumber',
  'pan',
  'taxid',
  'ssn',
]);

// RFC 5322 atext in the local part, so unusual but valid addresses are caught too.
const EMAIL = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A run of digits, optionally broken by spaces, dots or dashes, not glued to letters or dashes (so
// uuids, CUST-000001 and ISO timestamps are left alone).
const LONG_NUMBER = /(?<![\w-])\+?\d[\d .-]{5,}\d(?![\w-])/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const HAS_DIGIT = /\d/;
const MIN_DIGITS = 7;
const MAX_DEPTH = 8;

/** `4111111111111111` → `************1111`: all but the last four characters hidden. */
export function maskKeepLast4(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return '*'.repeat(value.length - 4) + value.slice(-4);
}

/** Masks emails and long digit runs found inside free text. */
export function maskPiiInText(text: string): string {
  const withoutEmails = text.includes('@') ? text.replace(EMAIL, maskKeepLast4) : text;
  if (!HAS_DIGIT.test(withoutEmails)) return withoutEmails;
  return withoutEmails.replace(LONG_NUMBER, (match) => {
    if (ISO_DATE.test(match)) return match;
    const digits = match.replace(/\D/g, '');
    return digits.length >= MIN_DIGITS ? maskKeepLast4(match) : match;
  });
}

const normalise = (key: string): string => key.toLowerCase().replace(/[_-]/g, '');

function isIdKey(key: string): boolean {
  return key === 'id' || key.endsWith('_id') || key.endsWith('Id');
}

export function redactValue(key: string, value: unknown, depth = 0): unknown {
  const norm = normalise(key);
  if (SECRET_KEYS.has(norm)) return '[REDACTED]';
  if (PII_KEYS.has(norm) && (typeof value === 'string' || typeof value === 'number')) {
    return maskKeepLast4(String(value));
  }
  if (typeof value === 'string') return isIdKey(key) ? value : maskPiiInText(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(key, item, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: maskPiiInText(value.message), stack: value.stack };
  }
  // Only plain data is walked. Class instances (the raw request pino-http hands over, sockets, dates)
  // are left to their serializers, which emit plain fields only (see logger-options.ts).
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [childKey, childValue] of Object.entries(value)) {
    out[childKey] = redactValue(childKey, childValue, depth + 1);
  }
  return out;
}

export function redactLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  return redactValue('', obj) as Record<string, unknown>;
}
