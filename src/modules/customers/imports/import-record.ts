import isEmail from 'validator/lib/isEmail';
import isISO31661Alpha2 from 'validator/lib/isISO31661Alpha2';
import isISO4217 from 'validator/lib/isISO4217';
import { PHONE_PATTERN } from '../../../platform/http/validators';
import { EXTERNAL_ID_PATTERN, TAG_PATTERN } from '../dto/customer.dto';
import { CUSTOMER_STATUSES } from '../entities/customer.entity';

/**
 * The fields an import row may carry. Each updatable field has a bit in the row's `present` mask: a
 * field the file does not carry (no such CSV column, no such JSON key) leaves an existing customer's
 * value alone, while a present but empty one clears it (or is refused where a value is required).
 */
export const IMPORT_FIELD_BITS = {
  external_id: 1,
  name: 2,
  email: 4,
  phone: 8,
  currency: 16,
  status: 32,
  tags: 64,
  billing_address: 128,
  metadata: 256,
} as const;
export type ImportField = keyof typeof IMPORT_FIELD_BITS;

const BILLING_PARTS = ['line1', 'line2', 'city', 'region', 'postal_code', 'country'] as const;
type BillingPart = (typeof BILLING_PARTS)[number];

/** CSV columns, as exports write them; headers are matched case- and space-insensitively. */
export const CSV_COLUMNS = [
  'customer_number',
  'external_id',
  'name',
  'email',
  'phone',
  'currency',
  'status',
  'tags',
  ...BILLING_PARTS.map((part) => `billing_${part}` as const),
  'metadata',
] as const;

const COLUMN_ALIASES: Record<string, string> = {
  number: 'customer_number',
  customer_no: 'customer_number',
  external_ref: 'external_id',
  address_line1: 'billing_line1',
  address_line2: 'billing_line2',
  city: 'billing_city',
  region: 'billing_region',
  postal_code: 'billing_postal_code',
  country: 'billing_country',
};

export function normaliseHeader(name: string): string {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return COLUMN_ALIASES[key] ?? key;
}

export interface HeaderPlan {
  /** Canonical column name per position; null for columns the import ignores. */
  columns: Array<string | null>;
  ignored: string[];
  present: number;
}

/**
 * Reads a CSV header: known columns (and aliases) are kept, others ignored and reported. A header that
 * names a column twice, or lacks both keys or a name, is not one we can import (a file that is not a
 * customer CSV at all ends here).
 */
export function planHeader(header: string[]): HeaderPlan | { error: string } {
  const known = new Set<string>(CSV_COLUMNS);
  const seen = new Set<string>();
  const columns: Array<string | null> = [];
  const ignored: string[] = [];
  for (const raw of header) {
    const name = normaliseHeader(raw);
    if (!known.has(name)) {
      columns.push(null);
      if (raw.trim()) ignored.push(raw.trim().slice(0, 100));
      continue;
    }
    if (seen.has(name)) return { error: `The header names column ${name} twice` };
    seen.add(name);
    columns.push(name);
  }
  if (!seen.has('customer_number') && !seen.has('external_id')) {
    return {
      error:
        'The first line is not a customer header: it needs a customer_number or external_id column ' +
        `(found ${header.length} column${header.length === 1 ? '' : 's'}; known columns: ${CSV_COLUMNS.join(', ')})`,
    };
  }
  let present = 0;
  for (const [field, bit] of Object.entries(IMPORT_FIELD_BITS)) {
    if (field === 'billing_address' ? BILLING_PARTS.some((p) => seen.has(`billing_${p}`)) : seen.has(field))
      present |= bit;
  }
  return { columns, ignored, present };
}

export interface RowError {
  field: string;
  reason: string;
}

/** One row as staged: text the merge reads, every value already checked and normalised. */
export interface StagedRecord {
  present: number;
  customer_number: string | null;
  external_id: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  currency: string | null;
  status: string | null;
  /** Tags joined by `|` (no valid tag contains one). */
  tags: string | null;
  billing_address: string | null;
  metadata: string | null;
  errors: RowError[];
}

const CUSTOMER_NUMBER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;
const MAX_TAGS = 20;
const MAX_METADATA_BYTES = 8192;
const BILLING_LIMITS: Record<BillingPart, number> = {
  line1: 200,
  line2: 200,
  city: 100,
  region: 100,
  postal_code: 20,
  country: 2,
};

/** A value as the file gave it: CSV cells are strings; JSON values may be anything. */
type RawValue = unknown;

function text(value: RawValue, field: string, errors: RowError[]): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    errors.push({ field, reason: `${field} must be a string` });
    return null;
  }
  if (value.includes('\u0000')) {
    errors.push({ field, reason: `${field} must not contain NUL characters` });
    return null;
  }
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * Checks one row against the same rules as the HTTP API (validator.js, which class-validator uses) and
 * normalises it. `get` reads a field by canonical name; `present` says which fields the row carries.
 */
export function checkRecord(get: (field: string) => RawValue, present: number): StagedRecord {
  const errors: RowError[] = [];
  const has = (field: ImportField) => (present & IMPORT_FIELD_BITS[field]) !== 0;
  const value = (field: string) => text(get(field), field, errors);

  const customerNumber = value('customer_number');
  if (customerNumber !== null && !CUSTOMER_NUMBER_PATTERN.test(customerNumber))
    errors.push({
      field: 'customer_number',
      reason: 'customer_number must be 1-40 letters, digits, dots, dashes, slashes or underscores',
    });
  const externalId = has('external_id') ? value('external_id') : null;
  if (externalId !== null && !EXTERNAL_ID_PATTERN.test(externalId))
    errors.push({ field: 'external_id', reason: 'external_id must be 1-100 printable characters' });
  if (customerNumber === null && externalId === null)
    errors.push({ field: 'customer_number', reason: 'each row needs a customer_number or an external_id' });

  const name = has('name') ? value('name') : null;
  if (has('name') && name === null) errors.push({ field: 'name', reason: 'name should not be empty' });
  else if (name !== null && name.length > 200)
    errors.push({ field: 'name', reason: 'name must be at most 200 characters' });

  const email = has('email') ? value('email') : null;
  if (email !== null && (email.length > 254 || !isEmail(email)))
    errors.push({ field: 'email', reason: 'email must be a valid email address' });

  const phone = has('phone') ? value('phone') : null;
  if (phone !== null && !PHONE_PATTERN.test(phone))
    errors.push({ field: 'phone', reason: 'phone must be 7 to 15 digits, optionally with + and separators' });

  const currency = has('currency') ? value('currency') : null;
  if (currency !== null && !isISO4217(currency))
    errors.push({ field: 'currency', reason: 'currency must be an ISO 4217 code such as KES' });

  const status = has('status') ? value('status') : null;
  if (status !== null && !(CUSTOMER_STATUSES as readonly string[]).includes(status))
    errors.push({ field: 'status', reason: `status must be one of ${CUSTOMER_STATUSES.join(', ')}` });

  const tags = has('tags') ? checkTags(get('tags'), errors) : null;
  const billing = has('billing_address') ? checkBilling(get, errors) : null;
  const metadata = has('metadata') ? checkMetadata(get('metadata'), errors) : null;

  return {
    present,
    customer_number: customerNumber,
    external_id: externalId,
    name,
    email,
    phone,
    currency,
    status,
    tags,
    billing_address: billing,
    metadata,
    errors,
  };
}

function checkTags(raw: RawValue, errors: RowError[]): string | null {
  let list: unknown[];
  if (raw === null || raw === undefined) list = [];
  else if (Array.isArray(raw)) list = raw;
  else if (typeof raw === 'string') list = raw.split(/[|,;]/);
  else {
    errors.push({ field: 'tags', reason: 'tags must be a list' });
    return null;
  }
  const tags = [
    ...new Set(list.map((tag) => (typeof tag === 'string' ? tag.trim() : tag)).filter((tag) => tag !== '')),
  ];
  if (tags.length > MAX_TAGS) errors.push({ field: 'tags', reason: `at most ${MAX_TAGS} tags` });
  else if (tags.some((tag) => typeof tag !== 'string' || !TAG_PATTERN.test(tag)))
    errors.push({ field: 'tags', reason: 'each tag must be 1-50 of a-z, 0-9, _, : or -' });
  return tags.join('|');
}

function checkBilling(get: (field: string) => RawValue, errors: RowError[]): string | null {
  const nested = get('billing_address');
  let source: (part: BillingPart) => RawValue;
  if (nested !== undefined) {
    if (nested === null) return null;
    if (typeof nested !== 'object' || Array.isArray(nested)) {
      errors.push({ field: 'billing_address', reason: 'billing_address must be an object' });
      return null;
    }
    source = (part) => (nested as Record<string, unknown>)[part];
  } else {
    source = (part) => get(`billing_${part}`);
  }
  const address: Partial<Record<BillingPart, string>> = {};
  for (const part of BILLING_PARTS) {
    const value = text(source(part), `billing_address.${part}`, errors);
    if (value === null) continue;
    if (value.length > BILLING_LIMITS[part])
      errors.push({
        field: `billing_address.${part}`,
        reason: `billing_address.${part} must be at most ${BILLING_LIMITS[part]} characters`,
      });
    address[part] = value;
  }
  if (Object.keys(address).length === 0) return null;
  for (const part of ['line1', 'city', 'country'] as const) {
    if (!address[part])
      errors.push({ field: `billing_address.${part}`, reason: `billing_address.${part} is required` });
  }
  if (address.country && !isISO31661Alpha2(address.country))
    errors.push({ field: 'billing_address.country', reason: 'country must be ISO 3166-1 alpha-2' });
  return JSON.stringify(address);
}

function checkMetadata(raw: RawValue, errors: RowError[]): string | null {
  let value = raw;
  if (raw === null || raw === undefined || raw === '') return '{}';
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      errors.push({ field: 'metadata', reason: 'metadata must be a JSON object' });
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push({ field: 'metadata', reason: 'metadata must be a JSON object' });
    return null;
  }
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    errors.push({
      field: 'metadata',
      reason: `metadata must serialise to at most ${MAX_METADATA_BYTES} bytes`,
    });
    return null;
  }
  return json;
}

/** Presence mask of a JSON record: its keys, billing_address for the nested object or billing_* keys. */
export function presenceOfObject(record: Record<string, unknown>): number {
  let present = 0;
  for (const [field, bit] of Object.entries(IMPORT_FIELD_BITS)) {
    const found =
      field === 'billing_address'
        ? 'billing_address' in record || BILLING_PARTS.some((p) => `billing_${p}` in record)
        : field in record;
    if (found) present |= bit;
  }
  return present;
}
