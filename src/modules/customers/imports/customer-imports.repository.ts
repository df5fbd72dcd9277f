import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, EntityManager } from 'typeorm';
import { withPgClient } from '../../../platform/database/pg-client';
import { returnedRows } from '../../../platform/database/rows';
import type { FileLayout, ImportFormat, ParsedRow } from './import-readers';
import { copyLine, STAGING_COLUMNS } from './staging-copy';

export const IMPORT_STATUSES = ['queued', 'processing', 'success', 'partial', 'failure'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRow {
  id: string;
  company_id: string;
  requested_by: string | null;
  format: ImportFormat;
  filename: string;
  storage_key: string;
  size_bytes: string;
  dry_run: boolean;
  status: ImportStatus;
  total: number | null;
  processed: number;
  failed: number;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  merged_through: number;
  batches: number;
  delimiter: string | null;
  columns: string[] | null;
  ignored_columns: string[] | null;
  error: string | null;
  staged_at: Date | null;
  validated_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ImportErrorRow {
  row_number: number;
  line: number | null;
  field: string;
  reason: string;
}

export interface BatchCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface MergeBatch {
  companyId: string;
  importId: string;
  /** Rows after `afterRow` up to and including `throughRow`. */
  afterRow: number;
  throughRow: number;
  /** Customer numbers reserved for this batch's new rows that have none. */
  numbers: string[];
  at: Date;
  actorUserId: string | null;
  correlationId: string | null;
}

const IMPORT_COLUMNS = `id, company_id, requested_by, format, filename, storage_key, size_bytes::text AS size_bytes, dry_run,
  status, total, processed, failed, created_count, updated_count, unchanged_count, merged_through, batches, delimiter,
  columns, ignored_columns, error, staged_at, validated_at, created_at, started_at, finished_at`;

/** Each import stages its rows in an UNLOGGED table of its own; dropping it is instant, whatever its size. */
export function stagingTable(importId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(importId)) throw new Error(`Not an import id: ${importId}`);
  return `customer_import_staging."rows_${importId.replace(/-/g, '')}"`;
}

/** Rows that passed every check: no error of their own, none found by the set-based checks. */
const VALID_ROW = `s.errors IS NULL AND NOT EXISTS (
  SELECT 1 FROM customer_import_errors e WHERE e.import_id = $2 AND e.row_number = s.row_number)`;

/** Each staged row beside the customer it updates, if any: by customer_number, else by external_id. */
const MATCHED = (stage: string, range: string) => `
  SELECT s.*, COALESCE(cn.id, ce.id) AS target_id
    FROM ${stage} s
    LEFT JOIN customers cn ON cn.company_id = $1 AND cn.customer_number = s.customer_number
    LEFT JOIN customers ce ON ce.company_id = $1 AND ce.external_id = s.external_id
   WHERE ${range} AND ${VALID_ROW}`;

/** What each valid row would make of its customer: absent fields keep the current value. */
const MERGED_VALUES = `
  SELECT m.row_number, m.target_id, m.customer_number AS file_number,
         CASE WHEN m.present & 1 <> 0 THEN m.external_id ELSE c.external_id END AS external_id,
         CASE WHEN m.present & 2 <> 0 THEN m.name ELSE c.name END AS name,
         CASE WHEN m.present & 4 <> 0 THEN m.email ELSE c.email::text END AS email,
         CASE WHEN m.present & 8 <> 0 THEN m.phone ELSE c.phone END AS phone,
         COALESCE(m.currency, c.currency) AS currency,
         COALESCE(m.status, c.status, 'active') AS status,
         CASE WHEN m.present & 64 <> 0 THEN COALESCE(string_to_array(NULLIF(m.tags, ''), '|'), '{}')
              ELSE COALESCE(c.tags, '{}') END AS tags,
         CASE WHEN m.present & 128 <> 0 THEN m.billing_address::jsonb ELSE c.billing_address END AS billing_address,
         CASE WHEN m.present & 256 <> 0 THEN COALESCE(m.metadata::jsonb, '{}') ELSE COALESCE(c.metadata, '{}') END
           AS metadata,
         c.external_id AS old_external_id, c.name AS old_name, c.email::text AS old_email, c.phone AS old_phone,
         c.tags AS old_tags, c.billing_address AS old_billing_address, c.metadata AS old_metadata
    FROM matched m
    LEFT JOIN customers c ON c.id = m.target_id`;

const CHANGE = (field: string) =>
  `COALESCE(CASE WHEN ${field} IS DISTINCT FROM old_${field} THEN jsonb_build_object('${field}',
     jsonb_build_object('before', to_jsonb(old_${field}), 'after', to_jsonb(${field}))) END, '{}')`;
const UPDATABLE_FIELDS = ['external_id', 'name', 'email', 'phone', 'tags', 'billing_address', 'metadata'];

/** The changes of each existing customer, in the audit log's shape; `{}` when nothing changes. */
const CHANGES = `
  SELECT src.*, ${UPDATABLE_FIELDS.map(CHANGE).join(' || ')} AS diff
    FROM src WHERE target_id IS NOT NULL`;

/** Every query of customer imports. */
@Injectable()
export class CustomerImportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(
    manager: EntityManager,
    values: Pick<
      ImportRow,
      'id' | 'company_id' | 'requested_by' | 'format' | 'filename' | 'storage_key' | 'size_bytes' | 'dry_run'
    > & { created_at: Date },
  ): Promise<ImportRow> {
    const [row] = await manager.query<ImportRow[]>(
      `INSERT INTO customer_imports (id, company_id, requested_by, format, filename, storage_key, size_bytes, dry_run, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${IMPORT_COLUMNS}`,
      [
        values.id,
        values.company_id,
        values.requested_by,
        values.format,
        values.filename,
        values.storage_key,
        values.size_bytes,
        values.dry_run,
        values.created_at,
      ],
    );
    return row;
  }

  async find(companyId: string, id: string): Promise<ImportRow | null> {
    const [row] = await this.dataSource.query<ImportRow[]>(
      `SELECT ${IMPORT_COLUMNS} FROM customer_imports WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row ?? null;
  }

  list(companyId: string, limit: number, after?: { at: string; id: string }): Promise<ImportRow[]> {
    const params: unknown[] = [companyId, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (created_at, id) < ($3, $4)';
    }
    return this.dataSource.query<ImportRow[]>(
      `SELECT ${IMPORT_COLUMNS} FROM customer_imports WHERE company_id = $1 ${keyset}
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
  }

  /** Errors in file order, after the (row, field) position `after`. */
  errors(importId: string, limit: number, after?: { row: number; field: string }): Promise<ImportErrorRow[]> {
    return this.dataSource.query<ImportErrorRow[]>(
      `SELECT row_number, line, field, reason FROM customer_import_errors
        WHERE import_id = $1 AND (row_number, field) > ($2, $3) ORDER BY row_number, field LIMIT $4`,
      [importId, after?.row ?? 0, after?.field ?? '', limit],
    );
  }

  /** Takes a queued import (or one a killed worker left processing); null once it has finished. */
  async claim(id: string, at: Date): Promise<ImportRow | null> {
    const rows = returnedRows(
      await this.dataSource.query<ImportRow[]>(
        `UPDATE customer_imports SET status = 'processing', started_at = COALESCE(started_at, $2)
          WHERE id = $1 AND status IN ('queued', 'processing') RETURNING ${IMPORT_COLUMNS}`,
        [id, at],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Streams the rows into a fresh staging table with COPY, in one transaction that also records the
   * row count: a worker killed half-way leaves nothing staged, and the retry starts again cleanly.
   */
  async stage(importId: string, rows: AsyncIterable<ParsedRow>, layout: FileLayout): Promise<number> {
    const stage = stagingTable(importId);
    return withPgClient(this.dataSource, async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(`DROP TABLE IF EXISTS ${stage}`);
        await client.query(
          `CREATE UNLOGGED TABLE ${stage} (
             row_number integer NOT NULL, line integer, present integer NOT NULL,
             customer_number text, external_id text, name text, email text, phone text, currency text,
             status text, tags text, billing_address text, metadata text, errors jsonb)`,
        );
        const copy = client.query(copyFrom(`COPY ${stage} (${STAGING_COLUMNS.join(', ')}) FROM STDIN`));
        await pipeline(Readable.from(copyLines(rows)), copy);
        await client.query(`CREATE INDEX ON ${stage} (row_number)`);
        await client.query(`ANALYZE ${stage}`);
        const { rows: counted } = await client.query<{ total: number }>(
          `SELECT count(*)::int AS total FROM ${stage}`,
        );
        const total = counted[0].total;
        await client.query(
          `UPDATE customer_imports SET staged_at = now(), total = $2, delimiter = $3, columns = $4, ignored_columns = $5
            WHERE id = $1`,
          [importId, total, layout.delimiter ?? null, layout.columns ?? null, layout.ignored ?? null],
        );
        await client.query('COMMIT');
        return total;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * The set-based checks, after the per-row ones made while staging: duplicates within the file, and
   * what only the database knows (keys of other or deleted customers, fields a new customer needs,
   * changes an import may not make). Every error lands in customer_import_errors; returns the number of
   * rows that failed.
   */
  async validate(companyId: string, importId: string): Promise<number> {
    const stage = stagingTable(importId);
    return this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM customer_import_errors WHERE import_id = $1', [importId]);
      await manager.query(
        `INSERT INTO customer_import_errors (import_id, row_number, line, field, reason)
         SELECT $1, s.row_number, s.line, e->>'field', e->>'reason'
           FROM ${stage} s CROSS JOIN LATERAL jsonb_array_elements(s.errors) e
          WHERE s.errors IS NOT NULL
         ON CONFLICT DO NOTHING`,
        [importId],
      );
      for (const key of ['customer_number', 'external_id']) {
        await manager.query(
          `INSERT INTO customer_import_errors (import_id, row_number, line, field, reason)
           SELECT $1, d.row_number, d.line, '${key}',
                  '${key} appears earlier in this file' || COALESCE(', on line ' || d.first_line, ', in record ' || d.first_row)
             FROM (SELECT row_number, line,
                          first_value(line) OVER w AS first_line, first_value(row_number) OVER w AS first_row,
                          row_number() OVER w AS occurrence
                     FROM ${stage} WHERE ${key} IS NOT NULL AND errors IS NULL
                   WINDOW w AS (PARTITION BY ${key} ORDER BY row_number)) d
            WHERE d.occurrence > 1
           ON CONFLICT DO NOTHING`,
          [importId],
        );
      }
      await manager.query(
        `INSERT INTO customer_import_errors (import_id, row_number, line, field, reason)
         SELECT $2, s.row_number, s.line, check_.field, check_.reason
           FROM ${stage} s
           LEFT JOIN customers cn ON cn.company_id = $1 AND cn.customer_number = s.customer_number
           LEFT JOIN customers ce ON ce.company_id = $1 AND ce.external_id = s.external_id
          CROSS JOIN LATERAL (VALUES
            (cn.id <> ce.id, 'external_id', 'external_id belongs to another customer, ' || ce.customer_number),
            (cn.id IS NULL AND ce.id IS NOT NULL AND s.customer_number IS NOT NULL, 'customer_number',
             'the customer with this external_id has customer_number ' || ce.customer_number),
            (COALESCE(cn.deleted_at, ce.deleted_at) IS NOT NULL, 'customer_number',
             'the customer is deleted; restore it before importing changes'),
            (cn.id IS NULL AND ce.id IS NULL AND s.name IS NULL, 'name', 'name is required for a new customer'),
            (cn.id IS NULL AND ce.id IS NULL AND s.currency IS NULL, 'currency',
             'currency is required for a new customer'),
            (cn.id IS NULL AND ce.id IS NULL AND s.status = 'blocked', 'status', 'a new customer cannot start blocked'),
            (s.currency <> COALESCE(cn.currency, ce.currency), 'currency',
             'an import cannot change the currency of an existing customer'),
            (s.status <> COALESCE(cn.status, ce.status), 'status',
             'an import cannot change status; use POST /v1/customers/{id}/status')
          ) AS check_(failed, field, reason)
          WHERE check_.failed AND ${VALID_ROW}
         ON CONFLICT DO NOTHING`,
        [companyId, importId],
      );
      const [{ failed }] = await manager.query<Array<{ failed: number }>>(
        `SELECT count(DISTINCT row_number)::int AS failed FROM customer_import_errors WHERE import_id = $1`,
        [importId],
      );
      await manager.query(`UPDATE customer_imports SET validated_at = now(), failed = $2 WHERE id = $1`, [
        importId,
        failed,
      ]);
      return failed;
    });
  }

  /** The highest `CUST-n` number the file brings, so generated numbers never collide with imported ones. */
  async highestImportedNumber(importId: string): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ highest: string | null }>>(
      `SELECT max(substring(customer_number FROM '^CUST-([0-9]{1,15})$')::bigint)::text AS highest
         FROM ${stagingTable(importId)} WHERE errors IS NULL`,
    );
    return Number(row.highest ?? 0);
  }

  /** Moves the company's number counter past `atLeast`, so numbers generated later stay free. */
  async raiseNumberCounter(companyId: string, atLeast: number): Promise<void> {
    if (atLeast <= 0) return;
    await this.dataSource.query(
      `INSERT INTO customer_number_counters (company_id, last_value) VALUES ($1, $2)
       ON CONFLICT (company_id) DO UPDATE SET last_value = GREATEST(customer_number_counters.last_value, $2)`,
      [companyId, atLeast],
    );
  }

  /** How many valid rows of a batch are new customers without a number of their own. */
  async newRowsWithoutNumber(companyId: string, importId: string, afterRow: number, throughRow: number) {
    const [row] = await this.dataSource.query<Array<{ count: number }>>(
      `WITH matched AS (${MATCHED(stagingTable(importId), 's.row_number > $3 AND s.row_number <= $4')})
       SELECT count(*)::int AS count FROM matched WHERE target_id IS NULL AND customer_number IS NULL`,
      [companyId, importId, afterRow, throughRow],
    );
    return row.count;
  }

  /** What the valid rows would do (dry run): create, change, or leave alone. */
  async preview(companyId: string, importId: string): Promise<BatchCounts> {
    const [row] = await this.dataSource.query<BatchCounts[]>(
      `WITH matched AS (${MATCHED(stagingTable(importId), 'true')}),
            src AS (${MERGED_VALUES}),
            changes AS (${CHANGES})
       SELECT (SELECT count(*) FROM src WHERE target_id IS NULL)::int AS created,
              (SELECT count(*) FROM changes WHERE diff <> '{}'::jsonb)::int AS updated,
              (SELECT count(*) FROM changes WHERE diff = '{}'::jsonb)::int AS unchanged`,
      [companyId, importId],
    );
    return row;
  }

  /**
   * Merges one batch of valid rows into customers in one statement: new customers inserted, existing
   * ones updated only where a value differs, an audit entry for each. Run inside the transaction that
   * also records the batch as done, so a batch is merged exactly once.
   */
  async mergeBatch(manager: EntityManager, batch: MergeBatch): Promise<BatchCounts> {
    const snapshot = `jsonb_build_object(${['customer_number', ...UPDATABLE_FIELDS, 'currency', 'status']
      .map((field) => `'${field}', jsonb_build_object('after', to_jsonb(i.${field}))`)
      .join(', ')})`;
    const [row] = await manager.query<BatchCounts[]>(
      `WITH matched AS (${MATCHED(stagingTable(batch.importId), 's.row_number > $3 AND s.row_number <= $4')}),
            src AS (${MERGED_VALUES}),
            changes AS (${CHANGES}),
            fresh AS (
              SELECT src.*, COALESCE(file_number,
                       ($5::text[])[row_number() OVER (PARTITION BY file_number IS NULL ORDER BY row_number)])
                       AS customer_number
                FROM src WHERE target_id IS NULL),
            inserted AS (
              INSERT INTO customers (company_id, customer_number, external_id, name, email, phone, currency,
                                     billing_address, tags, metadata, status, source, created_at, updated_at)
              SELECT $1, customer_number, external_id, name, email, phone, currency, billing_address, tags, metadata,
                     status, 'import', $6, $6
                FROM fresh ORDER BY row_number
              RETURNING id, customer_number, external_id, name, email::text AS email, phone, currency, billing_address,
                        tags, metadata, status),
            updated AS (
              UPDATE customers c
                 SET external_id = ch.external_id, name = ch.name, email = ch.email, phone = ch.phone, tags = ch.tags,
                     billing_address = ch.billing_address, metadata = ch.metadata, updated_at = $6
                FROM changes ch
               WHERE c.id = ch.target_id AND ch.diff <> '{}'::jsonb
              RETURNING c.id, ch.diff),
            audit AS (
              INSERT INTO customer_audit_log (company_id, customer_id, entity_type, entity_id, action, actor_user_id,
                                              changes, reason, correlation_id, occurred_at)
              SELECT $1, i.id, 'customer', i.id, 'created', $7, ${snapshot}, $8, $9, $6 FROM inserted i
              UNION ALL
              SELECT $1, u.id, 'customer', u.id, 'updated', $7, u.diff, $8, $9, $6 FROM updated u)
       SELECT (SELECT count(*) FROM inserted)::int AS created,
              (SELECT count(*) FROM updated)::int AS updated,
              (SELECT count(*) FROM changes WHERE diff = '{}'::jsonb)::int AS unchanged`,
      [
        batch.companyId,
        batch.importId,
        batch.afterRow,
        batch.throughRow,
        batch.numbers,
        batch.at,
        batch.actorUserId,
        `import ${batch.importId}`,
        batch.correlationId,
      ],
    );
    return row;
  }

  async recordBatch(
    manager: EntityManager,
    importId: string,
    throughRow: number,
    counts: BatchCounts,
  ): Promise<ImportRow> {
    const [row] = returnedRows(
      await manager.query<ImportRow[]>(
        `UPDATE customer_imports
            SET merged_through = $2, processed = $2, batches = batches + 1,
                created_count = created_count + $3, updated_count = updated_count + $4,
                unchanged_count = unchanged_count + $5
          WHERE id = $1 RETURNING ${IMPORT_COLUMNS}`,
        [importId, throughRow, counts.created, counts.updated, counts.unchanged],
      ),
    );
    return row;
  }

  async finish(
    manager: EntityManager,
    importId: string,
    outcome: { status: ImportStatus; error?: string | null; counts?: BatchCounts; processed?: number },
    at: Date,
  ): Promise<ImportRow> {
    const [row] = returnedRows(
      await manager.query<ImportRow[]>(
        `UPDATE customer_imports
            SET status = $2, error = $3, finished_at = $4, processed = COALESCE($5, processed),
                created_count = COALESCE($6, created_count), updated_count = COALESCE($7, updated_count),
                unchanged_count = COALESCE($8, unchanged_count)
          WHERE id = $1 RETURNING ${IMPORT_COLUMNS}`,
        [
          importId,
          outcome.status,
          outcome.error ?? null,
          at,
          outcome.processed ?? null,
          outcome.counts?.created ?? null,
          outcome.counts?.updated ?? null,
          outcome.counts?.unchanged ?? null,
        ],
      ),
    );
    return row;
  }

  async dropStaging(importId: string): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${stagingTable(importId)}`);
  }
}

async function* copyLines(rows: AsyncIterable<ParsedRow>): AsyncGenerator<string> {
  // Lines are gathered into ~64 KiB strings: one write per line would cost more than the parsing.
  let buffer = '';
  for await (const row of rows) {
    buffer += copyLine(row);
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}
