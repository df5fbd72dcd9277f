import type { Client } from 'pg';

/**
 * Tables whose rows may legitimately change when a request is refused. Everything else in the schema
 * is fingerprinted.
 */
export const FINGERPRINT_EXCLUDED_TABLES = new Set([
  // Migration bookkeeping, never touched by requests.
  'typeorm_migrations',
  // Idempotency claims: the interceptor inserts a claim before the handler runs and deletes it when the
  // request fails, so a refused request leaves no row; excluded anyway because a claim is request
  // bookkeeping, not tenant data (and its `created_at` takeover is an UPDATE by design).
  'idempotency_keys',
  // Scheduler ticks (worker role only; the fuzz app runs the API role).
  'scheduled_task_runs',
]);
// Rate-limit counters live in Redis, not in PostgreSQL, so they need no exclusion here.

export interface TableFingerprint {
  /** Rows and a hash of every row's text, whole table. */
  rows: number;
  hash: string;
  /** The same, for the rows of one company (tables with company_id). */
  companyRows: number;
  companyHash: string;
}

export type Fingerprint = Map<string, TableFingerprint>;

/**
 * A cheap, content-sensitive fingerprint of every table: count(*) and the sum of hashtext(row::text),
 * so an INSERT, DELETE or any UPDATE of any column shows (a sum of 32-bit hashes in a bigint; a collision
 * needs changes that cancel exactly). Partitions are read through their parent.
 */
export class DatabaseFingerprint {
  private constructor(
    private readonly db: Client,
    private readonly sql: string,
  ) {}

  static async prepare(db: Client): Promise<DatabaseFingerprint> {
    const { rows } = await db.query<{ name: string; has_company: boolean }>(
      `SELECT c.relname AS name,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'company_id'
                        AND NOT a.attisdropped) AS has_company
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    const parts = rows
      .filter((row) => !FINGERPRINT_EXCLUDED_TABLES.has(row.name))
      .map((row) => {
        const table = `"${row.name.replace(/"/g, '""')}"`;
        const company = row.has_company
          ? `count(*) FILTER (WHERE x.company_id = $1::uuid),
             coalesce(sum(hashtext(x::text)) FILTER (WHERE x.company_id = $1::uuid), 0)::text`
          : `0::bigint, '0'`;
        return `SELECT '${row.name}' AS t, count(*) AS n, coalesce(sum(hashtext(x::text)), 0)::text AS h,
                       ${company} FROM ${table} x`;
      });
    const sql = parts.join('\nUNION ALL\n');
    return new DatabaseFingerprint(db, sql);
  }

  /** The fingerprint now; company rows are those of `companyId`. */
  async take(companyId: string): Promise<Fingerprint> {
    const { rows } = await this.db.query<string[]>({ text: this.sql, values: [companyId], rowMode: 'array' });
    return new Map(
      rows.map((row) => [
        String(row[0]),
        {
          rows: Number(row[1]),
          hash: String(row[2]),
          companyRows: Number(row[3]),
          companyHash: String(row[4]),
        },
      ]),
    );
  }
}

/** Tables that differ (whole table, or only the company's rows when `companyOnly`). */
export function changedTables(before: Fingerprint, after: Fingerprint, companyOnly = false): string[] {
  const changed: string[] = [];
  for (const [table, a] of after) {
    const b = before.get(table);
    if (!b) {
      changed.push(table);
      continue;
    }
    const differs = companyOnly
      ? a.companyRows !== b.companyRows || a.companyHash !== b.companyHash
      : a.rows !== b.rows || a.hash !== b.hash;
    if (differs)
      changed.push(
        `${table} (${companyOnly ? `${b.companyRows}→${a.companyRows}` : `${b.rows}→${a.rows}`} rows)`,
      );
  }
  return changed;
}
