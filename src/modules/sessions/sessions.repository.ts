import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { keysetPage } from '../../platform/database/keyset-page';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { SessionSource, SessionStatus, TerminatedBy, TerminationReason } from './session-types';

export interface SessionRow {
  id: string;
  company_id: string;
  customer_id: string;
  package_id: string;
  package_name: string;
  source: SessionSource;
  status: SessionStatus;
  price_minor: string;
  currency: string;
  duration_seconds: number;
  data_cap_bytes: string | null;
  speed_profile: string | null;
  services: string[];
  payment_id: string | null;
  voucher_id: string | null;
  paid_at: Date | null;
  payment_failed_at: Date | null;
  payment_error_code: string | null;
  started_at: Date | null;
  expires_at: Date | null;
  ended_at: Date | null;
  termination_reason: TerminationReason | null;
  terminate_cause: string | null;
  terminated_by: TerminatedBy | null;
  bytes_in: string;
  bytes_out: string;
  usage_seq: string;
  last_usage_at: Date | null;
  idempotency_key: string | null;
  trace_id: string;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What a new session copies from its package. */
export interface SessionPackageTerms {
  packageId: string;
  packageName: string;
  priceMinor: string;
  currency: string;
  durationSeconds: number;
  dataCapBytes: string | null;
  speedProfile: string | null;
  services: string[];
}

export interface NewSession extends SessionPackageTerms {
  companyId: string;
  customerId: string;
  source: SessionSource;
  status: 'pending_payment' | 'active';
  voucherId: string | null;
  idempotencyKey: string | null;
  traceId: string;
  createdBy: string | null;
  at: Date;
}

export interface Termination {
  reason: TerminationReason;
  cause: string;
  by: TerminatedBy;
  at: Date;
}

/** One cumulative usage report, as the access controller counts it. */
export interface UsageReport {
  sessionId: string;
  sequence: number;
  bytesIn: number;
  bytesOut: number;
}

/** A report beside the session it names, as found (locked) before the update. */
export interface UsageApplication {
  session_id: string;
  found: boolean;
  status: SessionStatus | null;
  prev_seq: string | null;
  prev_in: string | null;
  prev_out: string | null;
  data_cap_bytes: string | null;
  applied: boolean;
}

const COLUMNS = `id, company_id, customer_id, package_id, package_name, source, status, price_minor, currency,
  duration_seconds, data_cap_bytes, speed_profile, services, payment_id, voucher_id, paid_at, payment_failed_at,
  payment_error_code, started_at, expires_at, ended_at, termination_reason, terminate_cause, terminated_by,
  bytes_in, bytes_out, usage_seq, last_usage_at, idempotency_key, trace_id, created_by, created_at, updated_at`;

/** Every query on wifi_sessions and the usage rollup. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The new session, or undefined when the company already has one with this idempotency key. */
  async insert(manager: EntityManager, s: NewSession): Promise<SessionRow | undefined> {
    const active = s.status === 'active';
    const [row] = await manager.query<SessionRow[]>(
      `INSERT INTO wifi_sessions (company_id, customer_id, package_id, package_name, source, status, price_minor,
         currency, duration_seconds, data_cap_bytes, speed_profile, services, voucher_id, idempotency_key, trace_id,
         created_by, started_at, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::int, $10, $11, $12, $13, $14, $15, $16,
         CASE WHEN $17 THEN $18::timestamptz END,
         CASE WHEN $17 THEN $18::timestamptz + make_interval(secs => $9::int) END, $18, $18)
       ON CONFLICT (company_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        s.companyId,
        s.customerId,
        s.packageId,
        s.packageName,
        s.source,
        s.status,
        s.priceMinor,
        s.currency,
        s.durationSeconds,
        s.dataCapBytes,
        s.speedProfile,
        s.services,
        s.voucherId,
        s.idempotencyKey,
        s.traceId,
        s.createdBy,
        active,
        s.at,
      ],
    );
    return row;
  }

  async byIdempotencyKey(companyId: string, key: string): Promise<SessionRow | undefined> {
    const [row] = await this.dataSource.query<SessionRow[]>(
      `SELECT ${COLUMNS} FROM wifi_sessions WHERE company_id = $1 AND idempotency_key = $2`,
      [companyId, key],
    );
    return row;
  }

  async find(companyId: string, id: string): Promise<SessionRow | undefined> {
    const [row] = await this.dataSource.query<SessionRow[]>(
      `SELECT ${COLUMNS} FROM wifi_sessions WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  async lock(manager: EntityManager, companyId: string, id: string): Promise<SessionRow | undefined> {
    const [row] = await manager.query<SessionRow[]>(
      `SELECT ${COLUMNS} FROM wifi_sessions WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return row;
  }

  async setPayment(manager: EntityManager, id: string, paymentId: string): Promise<SessionRow> {
    const [row] = returnedRows(
      await manager.query<SessionRow[]>(
        `UPDATE wifi_sessions SET payment_id = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, paymentId],
      ),
    );
    return row;
  }

  async list(
    companyId: string,
    filter: { customerId?: string; status?: SessionStatus },
    limit: number,
    after?: KeysetPosition,
  ): Promise<SessionRow[]> {
    const { clause, params } = keysetPage({
      companyId,
      equals: { customer_id: filter.customerId, status: filter.status },
      sortedBy: 'created_at',
      limit,
      after,
    });
    return this.dataSource.query<SessionRow[]>(`SELECT ${COLUMNS} FROM wifi_sessions ${clause}`, params);
  }

  /** Starts a paid session: from pending_payment, or payment_failed when a late success arrives. */
  async activatePaid(manager: EntityManager, id: string, at: Date): Promise<SessionRow | undefined> {
    const [row] = returnedRows(
      await manager.query<SessionRow[]>(
        `UPDATE wifi_sessions
          SET status = 'active', paid_at = $2::timestamptz, started_at = $2::timestamptz,
                expires_at = $2::timestamptz + make_interval(secs => duration_seconds),
              payment_failed_at = NULL, payment_error_code = NULL, updated_at = $2
        WHERE id = $1 AND status IN ('pending_payment', 'payment_failed')
        RETURNING ${COLUMNS}`,
        [id, at],
      ),
    );
    return row;
  }

  async markPaymentFailed(
    manager: EntityManager,
    id: string,
    errorCode: string,
    at: Date,
  ): Promise<SessionRow | undefined> {
    const [row] = returnedRows(
      await manager.query<SessionRow[]>(
        `UPDATE wifi_sessions SET status = 'payment_failed', payment_failed_at = $3, payment_error_code = $2, updated_at = $3
        WHERE id = $1 AND status = 'pending_payment' RETURNING ${COLUMNS}`,
        [id, errorCode, at],
      ),
    );
    return row;
  }

  /**
   * Ends the given sessions that are still active, in one statement; the rows it ended. `status`
   * follows the reason (expired for Session-Timeout, terminated otherwise).
   */
  async terminate(
    manager: EntityManager,
    companyId: string,
    ids: string[],
    t: Termination,
  ): Promise<SessionRow[]> {
    if (ids.length === 0) return [];
    return returnedRows(
      await manager.query<SessionRow[]>(
        `UPDATE wifi_sessions
          SET status = CASE WHEN $3 = 'session_timeout' THEN 'expired' ELSE 'terminated' END,
              ended_at = $6, termination_reason = $3, terminate_cause = $4, terminated_by = $5, updated_at = $6
        WHERE company_id = $1 AND id = ANY($2::uuid[]) AND status = 'active'
        RETURNING ${COLUMNS}`,
        [companyId, ids, t.reason, t.cause, t.by, t.at],
      ),
    );
  }

  /**
   * Ends up to `limit` active sessions whose time ran out by `now`, across companies, oldest first; each
   * ends at its own expires_at. SKIP LOCKED: a session being changed right now is taken next tick.
   */
  async expireDue(manager: EntityManager, now: Date, limit: number): Promise<SessionRow[]> {
    return returnedRows(
      await manager.query<SessionRow[]>(
        `WITH due AS (
         SELECT id FROM wifi_sessions WHERE status = 'active' AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE wifi_sessions s
          SET status = 'expired', ended_at = s.expires_at, termination_reason = 'session_timeout',
              terminate_cause = 'Session-Timeout', terminated_by = 'system', updated_at = $1
         FROM due WHERE s.id = due.id
       RETURNING ${COLUMNS.split(',')
         .map((column) => `s.${column.trim()}`)
         .join(', ')}`,
        [now, limit],
      ),
    );
  }

  /**
   * Applies cumulative usage reports in one statement: a report counts only when its sequence is past
   * the session's and neither counter went backwards, so a duplicate or late report changes nothing.
   * The sessions are locked in id order (two batches naming the same sessions cannot deadlock). At most
   * one report per session: the caller keeps the highest sequence of each.
   */
  async applyUsage(
    manager: EntityManager,
    companyId: string,
    reports: UsageReport[],
    at: Date,
  ): Promise<UsageApplication[]> {
    return manager.query<UsageApplication[]>(
      `WITH reported AS (
         SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[]) AS r(id, seq, bytes_in, bytes_out)
       ), locked AS (
         SELECT s.id, s.status, s.usage_seq, s.bytes_in, s.bytes_out, s.data_cap_bytes
           FROM wifi_sessions s
          WHERE s.company_id = $1 AND s.id IN (SELECT id FROM reported)
          ORDER BY s.id
            FOR UPDATE
       ), updated AS (
         UPDATE wifi_sessions s
            SET bytes_in = r.bytes_in, bytes_out = r.bytes_out, usage_seq = r.seq, last_usage_at = $6
           FROM reported r JOIN locked c ON c.id = r.id
          WHERE s.id = r.id AND r.seq > c.usage_seq AND r.bytes_in >= c.bytes_in AND r.bytes_out >= c.bytes_out
            AND c.status IN ('active', 'terminated', 'expired')
         RETURNING s.id
       )
       SELECT r.id AS session_id, (c.id IS NOT NULL) AS found, c.status, c.usage_seq AS prev_seq,
              c.bytes_in AS prev_in, c.bytes_out AS prev_out, c.data_cap_bytes, (u.id IS NOT NULL) AS applied
         FROM reported r LEFT JOIN locked c ON c.id = r.id LEFT JOIN updated u ON u.id = r.id`,
      [
        companyId,
        reports.map((r) => r.sessionId),
        reports.map((r) => r.sequence),
        reports.map((r) => r.bytesIn),
        reports.map((r) => r.bytesOut),
        at,
      ],
    );
  }

  /** Adds the bytes counted by one batch of reports to the company's hour. */
  async addHourlyUsage(
    manager: EntityManager,
    companyId: string,
    at: Date,
    delta: { bytesIn: bigint; bytesOut: bigint; reports: number },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO session_usage_hourly (company_id, hour, bytes_in, bytes_out, reports)
       VALUES ($1, date_trunc('hour', $2::timestamptz), $3, $4, $5)
       ON CONFLICT (company_id, hour) DO UPDATE
         SET bytes_in = session_usage_hourly.bytes_in + EXCLUDED.bytes_in,
             bytes_out = session_usage_hourly.bytes_out + EXCLUDED.bytes_out,
             reports = session_usage_hourly.reports + EXCLUDED.reports`,
      [companyId, at, delta.bytesIn.toString(), delta.bytesOut.toString(), delta.reports],
    );
  }

  /** Live customers with an active session on any of `services`. */
  async customersWithActiveSessionOn(companyId: string, services: string[]): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ customer_id: string }>>(
      `SELECT DISTINCT customer_id FROM wifi_sessions
        WHERE company_id = $1 AND status = 'active' AND services && $2::text[]`,
      [companyId, services],
    );
    return rows.map((row) => row.customer_id);
  }

  /** Active sessions per company and package (the sessions_active gauge). */
  activeCounts(): Promise<Array<{ company_id: string; package_name: string; n: number }>> {
    return this.dataSource.query(
      `SELECT company_id, package_name, count(*)::int AS n FROM wifi_sessions WHERE status = 'active'
        GROUP BY company_id, package_name`,
    );
  }
}
