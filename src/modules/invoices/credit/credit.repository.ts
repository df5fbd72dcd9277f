import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { keysetPage } from '../../../platform/database/keyset-page';
import { returnedRows } from '../../../platform/database/rows';
import type { KeysetPosition } from '../../../platform/http/pagination';
import { BreachSeverity, UTILISATION_BUCKETS, utilisationBucketSql } from './credit-rules';

/** A customer's credit limit row; `limit_minor` null means no limit is set. bigint columns are strings. */
export interface CreditLimitRow {
  customer_id: string;
  currency: string;
  limit_minor: string | null;
  updated_at: Date;
}

export interface AdjustmentRow {
  id: string;
  company_id: string;
  customer_id: string;
  adjustment_type: 'increase' | 'decrease';
  amount_minor: string;
  currency: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  limit_before_minor: string | null;
  limit_after_minor: string | null;
}

export interface BreachRow {
  id: string;
  customer_id: string;
  invoice_id: string | null;
  currency: string;
  limit_minor: string;
  exposure_minor: string;
  overage_minor: string;
  severity: BreachSeverity;
  override_used: boolean;
  override_reason: string | null;
  refused: boolean;
  actor_id: string | null;
  occurred_at: Date;
}

export interface NewBreach {
  companyId: string;
  customerId: string;
  invoiceId: string;
  currency: string;
  limitMinor: bigint;
  exposureMinor: bigint;
  overageMinor: bigint;
  severity: BreachSeverity;
  overrideUsed: boolean;
  overrideReason: string | null;
  refused: boolean;
  actorId: string;
  at: Date;
}

const ADJUSTMENT_COLUMNS = `id, company_id, customer_id, adjustment_type, amount_minor, currency, reason, status,
  requested_by, requested_at, decided_by, decided_at, decision_reason, limit_before_minor, limit_after_minor`;
const BREACH_COLUMNS = `id, customer_id, invoice_id, currency, limit_minor, exposure_minor, overage_minor, severity,
  override_used, override_reason, refused, actor_id, occurred_at`;

/** Money still owed: the statuses whose balance counts towards exposure. */
const OPEN = `status IN ('open', 'partially_paid')`;

/** Every query of credit control. */
@Injectable()
export class CreditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Locks the customer's credit limit row for the rest of the transaction, creating it (no limit,
   * `currency`) when missing: every exposure check and limit change for one customer queues here.
   */
  async lockLimit(
    manager: EntityManager,
    companyId: string,
    customerId: string,
    currency: string,
    at: Date,
  ): Promise<CreditLimitRow> {
    await manager.query(
      `INSERT INTO credit_limits (company_id, customer_id, currency, limit_minor, updated_at)
       VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (company_id, customer_id) DO NOTHING`,
      [companyId, customerId, currency, at],
    );
    const [row] = await manager.query<CreditLimitRow[]>(
      `SELECT customer_id, currency, limit_minor, updated_at FROM credit_limits
        WHERE company_id = $1 AND customer_id = $2 FOR UPDATE`,
      [companyId, customerId],
    );
    return row;
  }

  async limitOf(companyId: string, customerId: string): Promise<CreditLimitRow | undefined> {
    const [row] = await this.dataSource.query<CreditLimitRow[]>(
      `SELECT customer_id, currency, limit_minor, updated_at FROM credit_limits
        WHERE company_id = $1 AND customer_id = $2`,
      [companyId, customerId],
    );
    return row;
  }

  async setLimit(
    manager: EntityManager,
    companyId: string,
    customerId: string,
    currency: string,
    limitMinor: bigint,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE credit_limits SET limit_minor = $3, currency = $4, updated_at = $5
        WHERE company_id = $1 AND customer_id = $2`,
      [companyId, customerId, limitMinor.toString(), currency, at],
    );
  }

  /** What the customer owes in `currency`: the balances of its open and partially paid invoices. */
  async exposure(
    companyId: string,
    customerId: string,
    currency: string,
    manager?: EntityManager,
  ): Promise<bigint> {
    const [row] = await (manager ?? this.dataSource).query<Array<{ exposure: string }>>(
      `SELECT coalesce(sum(balance_minor), 0)::text AS exposure FROM invoices
        WHERE company_id = $1 AND customer_id = $2 AND currency = $3 AND ${OPEN}`,
      [companyId, customerId, currency],
    );
    return BigInt(row.exposure);
  }

  async insertAdjustment(
    manager: EntityManager,
    adjustment: {
      companyId: string;
      customerId: string;
      type: 'increase' | 'decrease';
      amountMinor: bigint;
      currency: string;
      reason: string;
      requestedBy: string;
      at: Date;
    },
  ): Promise<AdjustmentRow> {
    const [row] = await manager.query<AdjustmentRow[]>(
      `INSERT INTO credit_limit_adjustments (company_id, customer_id, adjustment_type, amount_minor, currency, reason,
                                             requested_by, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ADJUSTMENT_COLUMNS}`,
      [
        adjustment.companyId,
        adjustment.customerId,
        adjustment.type,
        adjustment.amountMinor.toString(),
        adjustment.currency,
        adjustment.reason,
        adjustment.requestedBy,
        adjustment.at,
      ],
    );
    return row;
  }

  async lockAdjustment(
    manager: EntityManager,
    companyId: string,
    id: string,
  ): Promise<AdjustmentRow | undefined> {
    const [row] = await manager.query<AdjustmentRow[]>(
      `SELECT ${ADJUSTMENT_COLUMNS} FROM credit_limit_adjustments WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return row;
  }

  async findAdjustment(companyId: string, id: string): Promise<AdjustmentRow | undefined> {
    const [row] = await this.dataSource.query<AdjustmentRow[]>(
      `SELECT ${ADJUSTMENT_COLUMNS} FROM credit_limit_adjustments WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  async decideAdjustment(
    manager: EntityManager,
    id: string,
    decision: {
      status: 'approved' | 'rejected';
      decidedBy: string;
      reason: string | null;
      limitBeforeMinor: bigint | null;
      limitAfterMinor: bigint | null;
      at: Date;
    },
  ): Promise<AdjustmentRow> {
    const rows = returnedRows(
      await manager.query<AdjustmentRow[]>(
        `UPDATE credit_limit_adjustments SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5,
                limit_before_minor = $6, limit_after_minor = $7
          WHERE id = $1 AND status = 'pending' RETURNING ${ADJUSTMENT_COLUMNS}`,
        [
          id,
          decision.status,
          decision.decidedBy,
          decision.at,
          decision.reason,
          decision.limitBeforeMinor?.toString() ?? null,
          decision.limitAfterMinor?.toString() ?? null,
        ],
      ),
    );
    return rows[0];
  }

  listAdjustments(
    companyId: string,
    filter: { customerId?: string; status?: string },
    limit: number,
    after?: KeysetPosition,
  ): Promise<AdjustmentRow[]> {
    const { clause, params } = keysetPage({
      companyId,
      equals: { customer_id: filter.customerId, status: filter.status },
      sortedBy: 'requested_at',
      limit,
      after,
    });
    return this.dataSource.query<AdjustmentRow[]>(
      `SELECT ${ADJUSTMENT_COLUMNS} FROM credit_limit_adjustments ${clause}`,
      params,
    );
  }

  async insertBreach(manager: EntityManager, breach: NewBreach): Promise<BreachRow> {
    const [row] = await manager.query<BreachRow[]>(
      `INSERT INTO credit_breaches (company_id, customer_id, invoice_id, currency, limit_minor, exposure_minor,
                                    overage_minor, severity, override_used, override_reason, refused, actor_id, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${BREACH_COLUMNS}`,
      [
        breach.companyId,
        breach.customerId,
        breach.invoiceId,
        breach.currency,
        breach.limitMinor.toString(),
        breach.exposureMinor.toString(),
        breach.overageMinor.toString(),
        breach.severity,
        breach.overrideUsed,
        breach.overrideReason,
        breach.refused,
        breach.actorId,
        breach.at,
      ],
    );
    return row;
  }

  listBreaches(
    companyId: string,
    filter: { customerId?: string; severity?: string },
    limit: number,
    after?: KeysetPosition,
  ): Promise<BreachRow[]> {
    const { clause, params } = keysetPage({
      companyId,
      equals: { customer_id: filter.customerId, severity: filter.severity },
      sortedBy: 'occurred_at',
      limit,
      after,
    });
    return this.dataSource.query<BreachRow[]>(
      `SELECT ${BREACH_COLUMNS} FROM credit_breaches ${clause}`,
      params,
    );
  }

  /**
   * The company's customers with a limit, counted per utilisation bucket (every bucket, zeros too), in
   * one statement: exposure per customer in the limit's currency, bucketed by UTILISATION_BUCKET_SQL.
   */
  utilisation(companyId: string): Promise<Array<{ bucket: string; customers: number }>> {
    return this.dataSource.query(
      `WITH exposure AS (
         SELECT customer_id, currency, sum(balance_minor) AS exposure FROM invoices
          WHERE company_id = $1 AND ${OPEN} GROUP BY customer_id, currency
       ), per_customer AS (
         SELECT ${utilisationBucketSql('coalesce(e.exposure, 0)', 'l.limit_minor::numeric')} AS bucket
           FROM credit_limits l
           LEFT JOIN exposure e ON e.customer_id = l.customer_id AND e.currency = l.currency
          WHERE l.company_id = $1 AND l.limit_minor IS NOT NULL
       )
       SELECT b.bucket, count(p.bucket)::int AS customers
         FROM unnest($2::text[]) WITH ORDINALITY AS b(bucket, ord)
         LEFT JOIN per_customer p ON p.bucket = b.bucket
        GROUP BY b.bucket, b.ord ORDER BY b.ord`,
      [companyId, UTILISATION_BUCKETS],
    );
  }

  /**
   * The nightly snapshot: the same distribution for every company with a limit, in one statement that
   * replaces the previous snapshot (companies left with no limits are removed). Returns the rows written.
   */
  async snapshotUtilisation(at: Date): Promise<number> {
    const rows = await this.dataSource.query<unknown[]>(
      `WITH exposure AS (
         SELECT company_id, customer_id, currency, sum(balance_minor) AS exposure FROM invoices
          WHERE ${OPEN} GROUP BY company_id, customer_id, currency
       ), per_customer AS (
         SELECT l.company_id, ${utilisationBucketSql('coalesce(e.exposure, 0)', 'l.limit_minor::numeric')} AS bucket
           FROM credit_limits l
           LEFT JOIN exposure e
             ON e.company_id = l.company_id AND e.customer_id = l.customer_id AND e.currency = l.currency
          WHERE l.limit_minor IS NOT NULL
       ), companies AS (
         SELECT DISTINCT company_id FROM per_customer
       ), counts AS (
         SELECT c.company_id, b.bucket, count(p.bucket)::int AS customers
           FROM companies c CROSS JOIN unnest($1::text[]) AS b(bucket)
           LEFT JOIN per_customer p ON p.company_id = c.company_id AND p.bucket = b.bucket
          GROUP BY c.company_id, b.bucket
       ), gone AS (
         DELETE FROM credit_utilisation_snapshots s
          WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.company_id = s.company_id)
       )
       INSERT INTO credit_utilisation_snapshots (company_id, bucket, customers, computed_at)
       SELECT company_id, bucket, customers, $2 FROM counts
       ON CONFLICT (company_id, bucket) DO UPDATE SET customers = EXCLUDED.customers, computed_at = EXCLUDED.computed_at
       RETURNING company_id`,
      [UTILISATION_BUCKETS, at],
    );
    return rows.length;
  }

  /** The latest snapshot of every company, for the utilisation gauge. */
  snapshots(): Promise<Array<{ company_id: string; bucket: string; customers: number }>> {
    return this.dataSource.query(
      `SELECT company_id, bucket, customers FROM credit_utilisation_snapshots ORDER BY company_id, bucket`,
    );
  }
}
