import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { pgInterval, ReportInterval } from './report-period';

/** One bucket's figures; sums of bigint columns come as text (exact), counts as int. */
export interface SeriesRow {
  /** The interval's aligned start (the bucket's key; `start` is clipped to the range). */
  key: Date;
  start: Date;
  end: Date;
  new_sessions: number;
  voucher_sessions: number;
  terminated_sessions: number;
  /** Sum of the durations, in seconds, of the sessions ended in the bucket (null when none). */
  duration_seconds: string | null;
  active_sessions: number;
  data_bytes_in: string;
  data_bytes_out: string;
  payments_succeeded: number;
  payments_failed: number;
  /** Revenue of the sessions paid in the bucket, by currency (amounts as text), sorted by currency. */
  revenue: Array<{ currency: string; amount_minor: string }>;
}

export interface PackageRevenueRow {
  package_id: string;
  package_name: string;
  currency: string;
  sessions: number;
  revenue_minor: string;
}

export interface TerminationReasonRow {
  reason: string;
  count: number;
}

export interface ChurnRow {
  previously_active: number;
  churned: number;
}

export interface ReportQuery {
  companyId: string;
  from: Date;
  to: Date;
  interval: ReportInterval;
}

/**
 * Sessions paid or failed with the aligned start of the bucket of that outcome. Read through the
 * wifi_sessions_payment_outcome index: the expression and predicate repeat the index's word for word.
 * paid_at and payment_failed_at never both hold (a late success clears the failure).
 */
const OUTCOMES = `
  SELECT date_trunc($4, COALESCE(s.paid_at, s.payment_failed_at), 'UTC') AS key,
         s.paid_at IS NOT NULL AS paid, s.package_id, s.currency, s.price_minor
    FROM wifi_sessions s
   WHERE s.company_id = $1 AND (s.paid_at IS NOT NULL OR s.payment_failed_at IS NOT NULL)
     AND COALESCE(s.paid_at, s.payment_failed_at) >= $2 AND COALESCE(s.paid_at, s.payment_failed_at) < $3`;

/**
 * The reads of the sessions report: set-based statements over wifi_sessions (each a range scan of the
 * company's started, ended or payment-outcome index) and the hourly usage rollup, per bucket from
 * generate_series. Buckets are UTC hours, days, ISO weeks or months (date_trunc in UTC), the first and
 * last clipped to [from, to).
 */
@Injectable()
export class SessionReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one read-only, repeatable-read transaction: every figure from the same snapshot. */
  snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query(`SET TRANSACTION READ ONLY`);
      await manager.query(`SELECT set_config('jit', 'off', true)`);
      return work(manager);
    });
  }

  /**
   * Every bucket of the range with its figures. Sessions active at a bucket's end (started before it,
   * not ended before it) are counted as those started before the end minus those ended before it (an
   * ended session started no later than it ended): the count at `from`, from two index-only counts,
   * plus the running sum of the buckets' starts minus ends.
   */
  async series(manager: EntityManager, q: ReportQuery): Promise<SeriesRow[]> {
    return manager.query<SeriesRow[]>(
      `WITH buckets AS (
         SELECT g AT TIME ZONE 'UTC' AS key,
                greatest(g AT TIME ZONE 'UTC', $2::timestamptz) AS start,
                least((g + $5::interval) AT TIME ZONE 'UTC', $3::timestamptz) AS "end"
           FROM generate_series(date_trunc($4, $2::timestamptz, 'UTC') AT TIME ZONE 'UTC',
                                $3::timestamptz AT TIME ZONE 'UTC', $5::interval) g
          WHERE g < $3::timestamptz AT TIME ZONE 'UTC'
       ),
       started AS (
         SELECT date_trunc($4, s.started_at, 'UTC') AS key, count(*) AS n,
                count(*) FILTER (WHERE s.source = 'voucher') AS vouchers
           FROM wifi_sessions s
          WHERE s.company_id = $1 AND s.started_at >= $2 AND s.started_at < $3
          GROUP BY 1
       ),
       ended AS (
         SELECT date_trunc($4, s.ended_at, 'UTC') AS key, count(*) AS n,
                sum(extract(epoch FROM s.ended_at - s.started_at)) AS duration_seconds
           FROM wifi_sessions s
          WHERE s.company_id = $1 AND s.ended_at >= $2 AND s.ended_at < $3
          GROUP BY 1
       ),
       outcomes AS (${OUTCOMES}),
       payments AS (
         SELECT key, count(*) FILTER (WHERE paid) AS succeeded, count(*) FILTER (WHERE NOT paid) AS failed
           FROM outcomes GROUP BY key
       ),
       revenue AS (
         SELECT key, jsonb_agg(jsonb_build_object('currency', currency, 'amount_minor', amount) ORDER BY currency)
                  AS revenue
           FROM (SELECT key, currency, sum(price_minor)::text AS amount FROM outcomes WHERE paid
                  GROUP BY key, currency) by_currency
          GROUP BY key
       ),
       usage AS (
         SELECT date_trunc($4, u.hour, 'UTC') AS key, sum(u.bytes_in) AS bytes_in, sum(u.bytes_out) AS bytes_out
           FROM session_usage_hourly u
          WHERE u.company_id = $1 AND u.hour >= $2 AND u.hour < $3
          GROUP BY 1
       ),
       active_at_from AS (
         SELECT (SELECT count(*) FROM wifi_sessions s WHERE s.company_id = $1 AND s.started_at < $2)
              - (SELECT count(*) FROM wifi_sessions s WHERE s.company_id = $1 AND s.ended_at < $2) AS n
       )
       SELECT b.key, b.start, b."end",
              coalesce(st.n, 0)::int AS new_sessions,
              coalesce(st.vouchers, 0)::int AS voucher_sessions,
              coalesce(en.n, 0)::int AS terminated_sessions,
              en.duration_seconds::text AS duration_seconds,
              (a.n + sum(coalesce(st.n, 0) - coalesce(en.n, 0)) OVER (ORDER BY b.key))::int AS active_sessions,
              coalesce(u.bytes_in, 0)::text AS data_bytes_in,
              coalesce(u.bytes_out, 0)::text AS data_bytes_out,
              coalesce(p.succeeded, 0)::int AS payments_succeeded,
              coalesce(p.failed, 0)::int AS payments_failed,
              coalesce(r.revenue, '[]'::jsonb) AS revenue
         FROM buckets b
        CROSS JOIN active_at_from a
         LEFT JOIN started st ON st.key = b.key
         LEFT JOIN ended en ON en.key = b.key
         LEFT JOIN payments p ON p.key = b.key
         LEFT JOIN revenue r ON r.key = b.key
         LEFT JOIN usage u ON u.key = b.key
        ORDER BY b.key`,
      [q.companyId, q.from, q.to, q.interval, pgInterval(q.interval)],
    );
  }

  /**
   * Revenue of the sessions paid in [from, to) by package and currency, most first (seed 003's "top
   * revenue packages"), named by the package's current name.
   */
  async revenueByPackage(manager: EntityManager, q: ReportQuery): Promise<PackageRevenueRow[]> {
    return manager.query<PackageRevenueRow[]>(
      `WITH outcomes AS (${OUTCOMES})
       SELECT o.package_id, p.name AS package_name, o.currency, count(*)::int AS sessions,
              sum(o.price_minor)::text AS revenue_minor
         FROM outcomes o
         JOIN session_packages p ON p.id = o.package_id AND p.company_id = $1
        WHERE o.paid
        GROUP BY o.package_id, p.name, o.currency
        ORDER BY sum(o.price_minor) DESC, count(*) DESC, p.name, o.currency`,
      [q.companyId, q.from, q.to, q.interval],
    );
  }

  /** Sessions ended in [from, to) by termination reason, most first. */
  async terminationsByReason(manager: EntityManager, q: ReportQuery): Promise<TerminationReasonRow[]> {
    return manager.query<TerminationReasonRow[]>(
      `SELECT coalesce(s.termination_reason, 'unknown') AS reason, count(*)::int AS count
         FROM wifi_sessions s
        WHERE s.company_id = $1 AND s.ended_at >= $2 AND s.ended_at < $3
        GROUP BY 1
        ORDER BY count DESC, reason`,
      [q.companyId, q.from, q.to],
    );
  }

  /**
   * Customers who started a session before `since` (previously active), and how many of them started
   * none in [since, to) (churned).
   */
  async churn(manager: EntityManager, companyId: string, since: Date, to: Date): Promise<ChurnRow> {
    const [row] = await manager.query<ChurnRow[]>(
      `WITH previous AS (
         SELECT DISTINCT s.customer_id FROM wifi_sessions s WHERE s.company_id = $1 AND s.started_at < $2
       ),
       recent AS (
         SELECT DISTINCT s.customer_id FROM wifi_sessions s
          WHERE s.company_id = $1 AND s.started_at >= $2 AND s.started_at < $3
       )
       SELECT count(*)::int AS previously_active, count(*) FILTER (WHERE r.customer_id IS NULL)::int AS churned
         FROM previous p LEFT JOIN recent r ON r.customer_id = p.customer_id`,
      [companyId, since, to],
    );
    return row;
  }

  /** The companies that sell sessions (have any package): the CLI's report targets. */
  async companiesWithPackages(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ company_id: string }>>(
      `SELECT DISTINCT company_id FROM session_packages ORDER BY company_id`,
    );
    return rows.map((row) => row.company_id);
  }
}
