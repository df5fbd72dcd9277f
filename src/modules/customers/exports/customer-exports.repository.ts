import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';
import { CustomerFilter, customerFilterSql } from '../customers.repository';

export type ExportFormat = 'csv' | 'json';

export interface ExportRow {
  id: string;
  company_id: string;
  requested_by: string | null;
  format: ExportFormat;
  filter: CustomerFilter;
  filter_type: string;
  status: 'queued' | 'processing' | 'generated' | 'failed';
  storage_key: string | null;
  size_bytes: string | null;
  row_count: number | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const EXPORT_COLUMNS = `id, company_id, requested_by, format, filter, filter_type, status, storage_key,
  size_bytes::text AS size_bytes, row_count, error, created_at, finished_at`;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const BILLING = ['line1', 'line2', 'city', 'region', 'postal_code', 'country'];

/** CSV columns: the import's columns first (an export re-imports as a no-op), then read-only ones. */
const CSV_SELECT = `c.customer_number, c.external_id, c.name, c.email, c.phone, c.currency, c.status,
  array_to_string(c.tags, '|') AS tags,
  ${BILLING.map((part) => `c.billing_address->>'${part}' AS billing_${part}`).join(', ')},
  c.metadata::text AS metadata, c.id, c.source,
  to_char(c.created_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS created_at,
  to_char(c.updated_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS updated_at`;

const JSON_SELECT = `json_build_object('customer_number', c.customer_number, 'external_id', c.external_id,
  'name', c.name, 'email', c.email, 'phone', c.phone, 'currency', c.currency, 'status', c.status, 'tags', c.tags,
  'billing_address', c.billing_address, 'metadata', c.metadata, 'id', c.id, 'source', c.source,
  'created_at', c.created_at, 'updated_at', c.updated_at)::text`;

/**
 * The COPY statement of an export. COPY takes no parameters, so values are escaped by the pg client's
 * escapeLiteral. JSON rows come out one per line, unquoted: with a quote and a delimiter character that
 * JSON text never contains raw (\x01, \x02), CSV format writes them verbatim.
 */
export function exportCopySql(
  client: PoolClient,
  companyId: string,
  filter: CustomerFilter,
  format: ExportFormat,
) {
  const where = customerFilterSql(companyId, filter, (value) => client.escapeLiteral(value));
  const select = format === 'csv' ? CSV_SELECT : JSON_SELECT;
  const query = `SELECT ${select} FROM customers c WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC, c.id DESC`;
  return format === 'csv'
    ? `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`
    : `COPY (${query}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}

/** Stored exports. */
@Injectable()
export class CustomerExportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(
    manager: EntityManager,
    values: Pick<
      ExportRow,
      'id' | 'company_id' | 'requested_by' | 'format' | 'filter' | 'filter_type' | 'created_at'
    >,
  ): Promise<ExportRow> {
    const [row] = await manager.query<ExportRow[]>(
      `INSERT INTO customer_exports (id, company_id, requested_by, format, filter, filter_type, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${EXPORT_COLUMNS}`,
      [
        values.id,
        values.company_id,
        values.requested_by,
        values.format,
        JSON.stringify(values.filter),
        values.filter_type,
        values.created_at,
      ],
    );
    return row;
  }

  async find(companyId: string, id: string): Promise<ExportRow | null> {
    const [row] = await this.dataSource.query<ExportRow[]>(
      `SELECT ${EXPORT_COLUMNS} FROM customer_exports WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row ?? null;
  }

  async claim(id: string): Promise<ExportRow | null> {
    const rows = returnedRows(
      await this.dataSource.query<ExportRow[]>(
        `UPDATE customer_exports SET status = 'processing' WHERE id = $1 AND status IN ('queued', 'processing')
         RETURNING ${EXPORT_COLUMNS}`,
        [id],
      ),
    );
    return rows[0] ?? null;
  }

  async finish(
    manager: EntityManager,
    id: string,
    outcome: { storageKey: string; sizeBytes: number; rows: number },
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE customer_exports SET status = 'generated', storage_key = $2, size_bytes = $3, row_count = $4,
              finished_at = $5 WHERE id = $1`,
      [id, outcome.storageKey, outcome.sizeBytes, outcome.rows, at],
    );
  }
}
