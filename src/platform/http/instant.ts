import type { FieldError } from './domain-exception';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * An ISO 8601 date (`2026-03-02`, UTC midnight) or date-time with an offset (`2026-03-02T08:00:00+03:00`,
 * `…Z`). A date-time without an offset is refused: it would mean the server's time zone.
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', , oh = '0', om = '0'] = match;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const realDay =
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d);
  if (!realDay || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) {
    return undefined;
  }
  const at = new Date(match[4] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * Reads an optional instant field of a query (`from`, `to` …) with parseInstant: undefined when absent;
 * a text that is not an instant adds a field error to `errors` and also reads as undefined.
 */
export function readInstantField<K extends string>(
  input: Partial<Record<K, string>>,
  field: K,
  errors: FieldError[],
): Date | undefined {
  const text = input[field];
  if (text === undefined) return undefined;
  const at = parseInstant(text);
  if (!at) {
    errors.push({
      field,
      message: `${field} must be an ISO 8601 date (YYYY-MM-DD, UTC) or date-time with an offset`,
    });
  }
  return at;
}
