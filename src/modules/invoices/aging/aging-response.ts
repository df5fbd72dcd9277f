import { DomainException } from '../../../platform/http/domain-exception';
import { AGING_BUCKETS, AgingBucket, BUCKET_RANGES } from './aging-definitions';
import type { AgingRow } from './aging.repository';
import type { CustomerCurrencyKey } from './aging.statements';

export interface BucketFigures {
  amount_minor: number;
  invoices: number;
}

/** Aging figures in one currency: per bucket, and in all. */
export interface AgingFigures {
  currency: string;
  buckets: Record<AgingBucket, BucketFigures>;
  total_minor: number;
  invoices: number;
}

export interface CustomerAgingFigures extends AgingFigures {
  customer_id: string;
  customer_number: string | null;
  name: string | null;
}

export interface AgingPage {
  /** Company totals per currency (or the customer's, when the report is for one customer). */
  totals: AgingFigures[];
  /** Per customer and currency, in (customer_id, currency) order. */
  data: CustomerAgingFigures[];
  next_cursor: string | null;
}

/** bigint columns arrive as text; minor units stay far below 2^53. */
const integer = (value: unknown): number => Number(value ?? 0);

export function figures(row: AgingRow): AgingFigures {
  const buckets = {} as Record<AgingBucket, BucketFigures>;
  for (const range of BUCKET_RANGES) {
    buckets[range.bucket] = {
      amount_minor: integer(row[`${range.column}_minor`]),
      invoices: integer(row[`${range.column}_invoices`]),
    };
  }
  return {
    currency: row.currency,
    buckets,
    total_minor: integer(row.total_minor),
    invoices: integer(row.invoices),
  };
}

export function customerFigures(row: AgingRow): CustomerAgingFigures {
  return {
    customer_id: row.customer_id!,
    customer_number: row.customer_number ?? null,
    name: row.name ?? null,
    ...figures(row),
  };
}

/** Splits totals (customer_id null) from the page's customer rows (limit + 1 of them at most). */
export function agingPage(rows: AgingRow[], limit: number): AgingPage {
  const totals = rows.filter((r) => r.customer_id === null).map(figures);
  const customers = rows.filter((r) => r.customer_id !== null);
  const hasMore = customers.length > limit;
  const page = hasMore ? customers.slice(0, limit) : customers;
  const last = page[page.length - 1];
  return {
    totals,
    data: page.map(customerFigures),
    next_cursor:
      hasMore && last ? encodeAgingCursor({ customerId: last.customer_id!, currency: last.currency }) : null,
  };
}

export function encodeAgingCursor(key: CustomerCurrencyKey): string {
  return Buffer.from(JSON.stringify([key.customerId, key.currency])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeAgingCursor(cursor: string): CustomerCurrencyKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    !UUID.test(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    !/^[A-Z]{3}$/.test(parsed[1])
  ) {
    throw new DomainException('invalid_input', 'invalid-cursor', 'cursor is not one this API returned', [
      { field: 'cursor', message: 'cursor is malformed' },
    ]);
  }
  return { customerId: parsed[0], currency: parsed[1] };
}

/** The bucket names, in order: part of every answer so a client need not hard-code them. */
export const BUCKET_NAMES: readonly AgingBucket[] = AGING_BUCKETS;
