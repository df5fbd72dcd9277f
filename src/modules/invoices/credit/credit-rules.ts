/**
 * Credit arithmetic in integers: breach severity from the overage, utilisation and its buckets.
 * The buckets are half-open, closed below and open above: exactly 25 % is `25-50%`, exactly 100 % is
 * `100%+`. The SQL in credit.repository.ts applies the same comparisons (UTILISATION_BUCKET_SQL).
 */

export const BREACH_SEVERITIES = ['low', 'medium', 'high'] as const;
export type BreachSeverity = (typeof BREACH_SEVERITIES)[number];

export const UTILISATION_BUCKETS = ['0-25%', '25-50%', '50-75%', '75-100%', '100%+'] as const;
export type UtilisationBucket = (typeof UTILISATION_BUCKETS)[number];

/** Overage as a share of the limit, in whole percent: below `mediumFrom` is low, below `highFrom` medium. */
export interface SeverityBands {
  mediumFromPercent: number;
  highFromPercent: number;
}

/**
 * The severity of taking exposure `overage` past `limit`: `overage / limit` against the bands
 * (defaults: low < 10 %, medium < 25 %, high ≥ 25 %). Any overage of a zero limit is high.
 */
export function breachSeverity(overage: bigint, limit: bigint, bands: SeverityBands): BreachSeverity {
  if (limit <= 0n) return 'high';
  const percentTimesLimit = overage * 100n;
  if (percentTimesLimit < limit * BigInt(bands.mediumFromPercent)) return 'low';
  if (percentTimesLimit < limit * BigInt(bands.highFromPercent)) return 'medium';
  return 'high';
}

/** Which bucket `exposure / limit` falls in. A zero limit with nothing owed is unused (0-25%). */
export function utilisationBucket(exposure: bigint, limit: bigint): UtilisationBucket {
  if (exposure <= 0n) return '0-25%';
  if (exposure * 4n < limit) return '0-25%';
  if (exposure * 2n < limit) return '25-50%';
  if (exposure * 4n < limit * 3n) return '50-75%';
  if (exposure < limit) return '75-100%';
  return '100%+';
}

/** Utilisation in basis points, rounded down (so 99.999 % never shows as 100 %); null for a zero limit. */
export function utilisationBp(exposure: bigint, limit: bigint): bigint | null {
  if (limit <= 0n) return null;
  return (exposure * 10_000n) / limit;
}

/**
 * The same buckets in SQL, over numeric `exposure` and `limit_minor` expressions, kept beside the
 * TypeScript version (test/invoices-credit.e2e-spec.ts checks the SQL at every bucket edge).
 */
export function utilisationBucketSql(exposure: string, limit: string): string {
  return `CASE
    WHEN ${exposure} <= 0 THEN '0-25%'
    WHEN ${exposure} * 4 < ${limit} THEN '0-25%'
    WHEN ${exposure} * 2 < ${limit} THEN '25-50%'
    WHEN ${exposure} * 4 < ${limit} * 3 THEN '50-75%'
    WHEN ${exposure} < ${limit} THEN '75-100%'
    ELSE '100%+' END`;
}
