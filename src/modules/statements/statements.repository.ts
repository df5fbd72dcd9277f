import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { StatementDeliveryMethod, StatementFormat } from './statement-period';

export type StatementStatus = 'queued' | 'generating' | 'generated' | 'failed';

export interface StatementRow {
  id: string;
  company_id: string;
  customer_id: string;
  run_id: string | null;
  currency: string;
  period_from: string;
  period_to: string;
  period_months: number | null;
  format: StatementFormat;
  delivery_method: StatementDeliveryMethod;
  status: StatementStatus;
  storage_key: string | null;
  filename: string | null;
  content_type: string | null;
  file_size_bytes: string | null;
  line_count: number | null;
  opening_balance_minor: string | null;
  closing_balance_minor: string | null;
  requested_by: string | null;
  error: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  generated_at: Date | null;
}

export interface StatementRunRow {
  id: string;
  company_id: string;
  period_from: string;
  period_to: string;
  format: StatementFormat;
  delivery_method: StatementDeliveryMethod;
  trigger: 'scheduled' | 'on_demand';
  status: 'running' | 'completed';
  statements_count: number;
  requested_by: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const COLUMNS = `id, company_id, customer_id, run_id, trim(currency) AS currency,
  to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to, period_months,
  format, delivery_method, status, storage_key, filename, content_type, file_size_bytes::text AS file_size_bytes,
  line_count, opening_balance_minor::text AS opening_balance_minor, closing_balance_minor::text AS closing_balance_minor,
  requested_by, error, attempts, created_at, started_at, generated_at`;

const RUN_COLUMNS = `id, company_id, to_char(period_from, 'YYYY-MM-DD') AS period_from,
  to_char(period_to, 'YYYY-MM-DD') AS period_to, format, delivery_method, trigger, status, statements_count,
  requested_by, created_at, completed_at`;

export interface NewStatement {
  companyId: string;
  customerId: string;
  currency: string;
  from: string;
  to: string;
  months: number | null;
  format: StatementFormat;
  deliveryMethod: StatementDeliveryMethod;
  requestedBy: string | null;
  at: Date;
}

/** Every query of the statements module: its own two tables, nothing else. */
@Injectable()
export class StatementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, s: NewStatement): Promise<StatementRow> {
    const rows = await manager.query<StatementRow[]>(
      `INSERT INTO statements (company_id, customer_id, currency, period_from, period_to, period_months, format,
                               delivery_method, requested_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        s.companyId,
        s.customerId,
        s.currency,
        s.from,
        s.to,
        s.months,
        s.format,
        s.deliveryMethod,
        s.requestedBy,
        s.at,
      ],
    );
    return rows[0];
  }

  async find(companyId: string, id: string): Promise<StatementRow | undefined> {
    const rows = await this.dataSource.query<StatementRow[]>(
      `SELECT ${COLUMNS} FROM statements WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return rows[0];
  }

  /** A customer's statements, newest first, `limit + 1` after the keyset position. */
  listForCustomer(
    companyId: string,
    customerId: string,
    limit: number,
    after?: KeysetPosition,
  ): Promise<StatementRow[]> {
    const values: unknown[] = [companyId, customerId, limit + 1];
    let keyset = '';
    if (after) {
      values.push(after.at, after.id);
      keyset = 'AND (created_at, id) < ($4::timestamptz, $5::uuid)';
    }
    return this.dataSource.query<StatementRow[]>(
      `SELECT ${COLUMNS} FROM statements WHERE company_id = $1 AND customer_id = $2 ${keyset}
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      values,
    );
  }

  /**
   * queued (or generating: a crashed or retried attempt) → generating, attempts + 1. Undefined when the
   * statement is already generated or failed (a replayed job), or gone.
   */
  async start(companyId: string, id: string, at: Date): Promise<StatementRow | undefined> {
    const rows = returnedRows(
      await this.dataSource.query<StatementRow[]>(
        `UPDATE statements SET status = 'generating', attempts = attempts + 1, started_at = $3
          WHERE company_id = $1 AND id = $2 AND status IN ('queued', 'generating')
          RETURNING ${COLUMNS}`,
        [companyId, id, at],
      ),
    );
    return rows[0];
  }

  /** The statement locked for this transaction: the one place its outcome is decided. */
  async lock(manager: EntityManager, companyId: string, id: string): Promise<StatementRow | undefined> {
    const rows = await manager.query<StatementRow[]>(
      `SELECT ${COLUMNS} FROM statements WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return rows[0];
  }

  async complete(
    manager: EntityManager,
    id: string,
    done: {
      storageKey: string;
      filename: string;
      contentType: string;
      sizeBytes: number;
      lineCount: number;
      openingMinor: bigint;
      closingMinor: bigint;
      at: Date;
    },
  ): Promise<StatementRow> {
    const rows = returnedRows(
      await manager.query<StatementRow[]>(
        `UPDATE statements SET status = 'generated', storage_key = $2, filename = $3, content_type = $4,
                file_size_bytes = $5, line_count = $6, opening_balance_minor = $7, closing_balance_minor = $8,
                generated_at = $9, error = NULL
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          done.storageKey,
          done.filename,
          done.contentType,
          done.sizeBytes,
          done.lineCount,
          done.openingMinor.toString(),
          done.closingMinor.toString(),
          done.at,
        ],
      ),
    );
    return rows[0];
  }

  async fail(manager: EntityManager, id: string, error: string): Promise<void> {
    await manager.query(`UPDATE statements SET status = 'failed', error = $2 WHERE id = $1`, [
      id,
      error.slice(0, 1000),
    ]);
  }

  /** The run for the company and period, created if there is none; `created` says which. */
  async claimRun(
    manager: EntityManager,
    run: {
      companyId: string;
      from: string;
      to: string;
      format: StatementFormat;
      deliveryMethod: StatementDeliveryMethod;
      trigger: 'scheduled' | 'on_demand';
      requestedBy: string | null;
      at: Date;
    },
  ): Promise<{ run: StatementRunRow; created: boolean }> {
    const inserted = await manager.query<StatementRunRow[]>(
      `INSERT INTO statement_runs (company_id, period_from, period_to, format, delivery_method, trigger,
                                   requested_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (company_id, period_from, period_to) DO NOTHING RETURNING ${RUN_COLUMNS}`,
      [run.companyId, run.from, run.to, run.format, run.deliveryMethod, run.trigger, run.requestedBy, run.at],
    );
    if (inserted[0]) return { run: inserted[0], created: true };
    const existing = await manager.query<StatementRunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM statement_runs WHERE company_id = $1 AND period_from = $2 AND period_to = $3`,
      [run.companyId, run.from, run.to],
    );
    return { run: existing[0], created: false };
  }

  /**
   * One statement per (customer, currency) of the run, in one INSERT … SELECT over the arrays; answers
   * the new ids with their customers (for the events published in the same transaction).
   */
  async insertRunStatements(
    manager: EntityManager,
    run: StatementRunRow,
    targets: Array<{ customerId: string; currency: string }>,
    at: Date,
  ): Promise<Array<{ id: string; customer_id: string }>> {
    if (targets.length === 0) return [];
    const rows = await manager.query<Array<{ id: string; customer_id: string }>>(
      `INSERT INTO statements (company_id, customer_id, run_id, currency, period_from, period_to, period_months,
                               format, delivery_method, requested_by, created_at)
       SELECT $1, t.customer_id, $2, t.currency, $3, $4, 1, $5, $6, $7, $8
         FROM unnest($9::uuid[], $10::char(3)[]) AS t (customer_id, currency)
       RETURNING id, customer_id`,
      [
        run.company_id,
        run.id,
        run.period_from,
        run.period_to,
        run.format,
        run.delivery_method,
        run.requested_by,
        at,
        targets.map((t) => t.customerId),
        targets.map((t) => t.currency),
      ],
    );
    await manager.query(`UPDATE statement_runs SET statements_count = $2 WHERE id = $1`, [
      run.id,
      rows.length,
    ]);
    return rows;
  }

  async findRun(companyId: string, id: string): Promise<StatementRunRow | undefined> {
    const rows = await this.dataSource.query<StatementRunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM statement_runs WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return rows[0];
  }

  /** How many of the run's statements are in each status (index `statements_run`). */
  async runCounts(companyId: string, runId: string): Promise<Record<StatementStatus, number>> {
    const rows = await this.dataSource.query<Array<{ status: StatementStatus; n: number }>>(
      `SELECT status, count(*)::int AS n FROM statements WHERE company_id = $1 AND run_id = $2 GROUP BY status`,
      [companyId, runId],
    );
    const counts: Record<StatementStatus, number> = { queued: 0, generating: 0, generated: 0, failed: 0 };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /** Marks a run whose statements are all generated or failed as completed (once). */
  async completeRun(runId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE statement_runs SET status = 'completed', completed_at = $2 WHERE id = $1 AND status = 'running'`,
      [runId, at],
    );
  }
}
