import type { ParsedRow } from './import-readers';

/** The staging table's columns, in COPY order. */
export const STAGING_COLUMNS = [
  'row_number',
  'line',
  'present',
  'customer_number',
  'external_id',
  'name',
  'email',
  'phone',
  'currency',
  'status',
  'tags',
  'billing_address',
  'metadata',
  'errors',
] as const;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in PostgreSQL's COPY text format: `\N` for null, backslash escapes for the rest. */
export function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\n\r\t]/g, (char) => ESCAPES[char]);
}

/** One staging row as a COPY text line. */
export function copyLine({ row, line, record }: ParsedRow): string {
  return (
    [
      row,
      line,
      record.present,
      record.customer_number,
      record.external_id,
      record.name,
      record.email,
      record.phone,
      record.currency,
      record.status,
      record.tags,
      record.billing_address,
      record.metadata,
      record.errors.length ? JSON.stringify(record.errors) : null,
    ]
      .map(copyValue)
      .join('\t') + '\n'
  );
}
