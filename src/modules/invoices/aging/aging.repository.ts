import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';
import { AgingBasis, AgingTrigger, BUCKET_RANGES, OverdueState } from './aging-definitions';
import {
  AgingScope,
  agingReportStatement,
  CustomerCurrencyKey,
  overdueStatesStatement,
  snapshotInsertStatement,
  statementSettings,
} from './aging.statements';

/** One row of aging figures: a customer's in one currency, or (customer_id null) the company total. */
export interface AgingRow {
  customer_id: string | null;
  currency: string;
  customer_number?: string | null;
  name?: string | null;
  /** `<bucket column>_minor` (bigint as text), `<bucket column>_invoices`, total_minor, invoices. */
  [column: string]: unknown;
}

export type SnapshotStatus = 'pending' | 'running' | 'done' | 'failed';

export interface SnapshotRow {
  id: string;
  company_id: string;
  as_of: string;
  basis: AgingBasis;
  trigger: AgingTrigger;
  status: SnapshotStatus;
  requested_by: string | null;
  requested_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  duration_ms: number | null;
  customers: number | null;
  invoices: number | null;
  error: string | null;
}

export interface OverdueStateRow {
  state: OverdueState;
  oldest_due_date: string | null;
  days_past_due: number | null;
  as_of: string;
  changed_at: Date;
  computed_at: Date;
}

const SNAPSHOT_COLUMNS = `id, company_id, to_char(as_of, 'YYYY-MM-DD') AS as_of, basis, trigger, status, requested_by,
  requested_at, started_at, completed_at, duration_ms, customers, invoices, error`;

/** Every query of aging: set-based statements over invoices and allocations, and the snapshot tables. */
@Injectable()
export class AgingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The live report: totals per currency and one page of customer rows (limit + 1). */
  report(scope: AgingScope, page: { limit: number; after?: CustomerCurrencyKey }): Promise<AgingRow[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.applySettings(manager, scope);
      const { text, values } = agingReportStatement(scope, page);
      return manager.query<AgingRow[]>(text, values);
    });
  }

  async overdueState(companyId: string, customerId: string): Promise<OverdueStateRow | undefined> {
    const rows = await this.dataSource.query<OverdueStateRow[]>(
      `SELECT state, to_char(oldest_due_date, 'YYYY-MM-DD') AS oldest_due_date, days_past_due,
              to_char(as_of, 'YYYY-MM-DD') AS as_of, changed_at, computed_at
         FROM customer_overdue_states WHERE company_id = $1 AND customer_id = $2`,
      [companyId, customerId],
    );
    return rows[0];
  }

  /** Recomputes every customer's overdue state (one statement); answers how many rows per state it wrote. */
  async recomputeOverdueStates(asOf: string, now: Date): Promise<Record<string, number>> {
    const { text, values } = overdueStatesStatement(asOf, now);
    const rows = await this.dataSource.query<Array<{ state: string }>>(
      `WITH written AS (${text}) SELECT state, count(*)::int AS n FROM written GROUP BY state`,
      values,
    );
    return Object.fromEntries((rows as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
  }

  async insertSnapshot(
    manager: EntityManager,
    input: {
      companyId: string;
      asOf: string;
      basis: AgingBasis;
      trigger: AgingTrigger;
      requestedBy: string | null;
      at: Date;
    },
  ): Promise<SnapshotRow> {
    const rows = await manager.query<SnapshotRow[]>(
      `INSERT INTO aging_snapshots (company_id, as_of, basis, trigger, status, requested_by, requested_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING ${SNAPSHOT_COLUMNS}`,
      [input.companyId, input.asOf, input.basis, input.trigger, input.requestedBy, input.at],
    );
    return rows[0];
  }

  /**
   * A pending scheduled snapshot (basis due_date) for every company with open invoices, unless the
   * company has one for that day already. The companies are found by a loose index scan of the partial
   * open-invoices index (one probe per company, not a read of every open invoice).
   */
  requestScheduled(manager: EntityManager, asOf: string, at: Date): Promise<SnapshotRow[]> {
    return manager.query<SnapshotRow[]>(
      `WITH RECURSIVE companies AS (
         (SELECT company_id FROM invoices WHERE status IN ('open', 'partially_paid') ORDER BY company_id LIMIT 1)
         UNION ALL
         SELECT (SELECT i.company_id FROM invoices i
                  WHERE i.status IN ('open', 'partially_paid') AND i.company_id > c.company_id
                  ORDER BY i.company_id LIMIT 1)
           FROM companies c WHERE c.company_id IS NOT NULL
       )
       INSERT INTO aging_snapshots (company_id, as_of, basis, trigger, status, requested_at)
       SELECT company_id, $1, 'due_date', 'scheduled', 'pending', $2 FROM companies WHERE company_id IS NOT NULL
       ON CONFLICT (company_id, as_of, basis) WHERE trigger = 'scheduled' DO NOTHING
       RETURNING ${SNAPSHOT_COLUMNS}`,
      [asOf, at],
    );
  }

  /** Pending → running with its start time: what a poll sees while it computes. */
  async markRunning(companyId: string, id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE aging_snapshots SET status = 'running', started_at = $3
        WHERE company_id = $1 AND id = $2 AND status = 'pending'`,
      [companyId, id, at],
    );
  }

  /** The snapshot, locked for this transaction (so two runs of the same job never both compute). */
  async lockSnapshot(
    manager: EntityManager,
    companyId: string,
    id: string,
  ): Promise<SnapshotRow | undefined> {
    const rows = await manager.query<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM aging_snapshots WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return rows[0];
  }

  /** The snapshot's rows in one INSERT … SELECT. */
  async computeSnapshot(
    manager: EntityManager,
    scope: AgingScope,
    id: string,
  ): Promise<{ rows: number; customers: number; invoices: number }> {
    await this.applySettings(manager, scope);
    const { text, values } = snapshotInsertStatement(scope, id);
    const rows = await manager.query<Array<{ rows: number; customers: number; invoices: number }>>(
      text,
      values,
    );
    return rows[0];
  }

  async completeSnapshot(
    manager: EntityManager,
    id: string,
    input: { at: Date; durationMs: number; customers: number; invoices: number },
  ): Promise<SnapshotRow> {
    const rows = await manager.query<SnapshotRow[] | [SnapshotRow[], number]>(
      `UPDATE aging_snapshots
          SET status = 'done', started_at = coalesce(started_at, $2), completed_at = $2, duration_ms = $3,
              customers = $4, invoices = $5, error = NULL
        WHERE id = $1 RETURNING ${SNAPSHOT_COLUMNS}`,
      [id, input.at, input.durationMs, input.customers, input.invoices],
    );
    return returnedRows(rows)[0];
  }

  async failSnapshot(companyId: string, id: string, error: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE aging_snapshots SET status = 'failed', completed_at = $3, error = $4
        WHERE company_id = $1 AND id = $2 AND status IN ('pending', 'running')`,
      [companyId, id, at, error.slice(0, 500)],
    );
  }

  async snapshot(companyId: string, id: string): Promise<SnapshotRow | undefined> {
    const rows = await this.dataSource.query<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM aging_snapshots WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return rows[0];
  }

  /** A snapshot's totals (customer_id NULL) and one page of its customer rows (limit + 1). */
  snapshotRows(
    companyId: string,
    id: string,
    page: { limit: number; after?: CustomerCurrencyKey },
  ): Promise<AgingRow[]> {
    const values: unknown[] = [companyId, id, page.limit + 1];
    const after = page.after ? `AND (r.customer_id, r.currency) > ($4::uuid, $5::char(3))` : '';
    if (page.after) values.push(page.after.customerId, page.after.currency);
    return this.dataSource.query<AgingRow[]>(
      `SELECT r.*, c.customer_number, c.name
         FROM (SELECT * FROM aging_snapshot_rows WHERE company_id = $1 AND snapshot_id = $2 AND customer_id IS NULL
               UNION ALL
               (SELECT * FROM aging_snapshot_rows r
                 WHERE r.company_id = $1 AND r.snapshot_id = $2 AND r.customer_id IS NOT NULL ${after}
                 ORDER BY r.customer_id, r.currency LIMIT $3)) r
         LEFT JOIN customers c ON c.company_id = $1 AND c.id = r.customer_id
        ORDER BY r.customer_id NULLS FIRST, r.currency`,
      values,
    );
  }

  /** Newest first, keyset on (requested_at, id); limit + 1 rows. */
  listSnapshots(
    companyId: string,
    limit: number,
    after?: { at: string; id: string },
  ): Promise<SnapshotRow[]> {
    const values: unknown[] = [companyId, limit + 1];
    const keyset = after ? `AND (requested_at, id) < ($3::timestamptz, $4::uuid)` : '';
    if (after) values.push(after.at, after.id);
    return this.dataSource.query<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM aging_snapshots WHERE company_id = $1 ${keyset}
        ORDER BY requested_at DESC, id DESC LIMIT $2`,
      values,
    );
  }

  /**
   * Per company, the invoices in each bucket of its latest finished due-date snapshot (all currencies
   * together): the bucket distribution gauge.
   */
  latestDistribution(): Promise<Array<{ company_id: string } & Record<string, number>>> {
    return this.dataSource.query(
      `SELECT l.company_id, ${BUCKET_RANGES.map(
        (r) => `sum(r.${r.column}_invoices)::int AS ${r.column}_invoices`,
      ).join(', ')}
         FROM (SELECT DISTINCT ON (company_id) company_id, id FROM aging_snapshots
                WHERE status = 'done' AND basis = 'due_date'
                ORDER BY company_id, as_of DESC, completed_at DESC) l
         JOIN aging_snapshot_rows r ON r.company_id = l.company_id AND r.snapshot_id = l.id AND r.customer_id IS NULL
        GROUP BY l.company_id`,
    );
  }

  /** The aging planner settings, for the rest of this transaction only. */
  private async applySettings(manager: EntityManager, scope: AgingScope): Promise<void> {
    const settings = statementSettings(scope.path);
    await manager.query(
      `SELECT ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`,
      settings.flat(),
    );
  }
}
