import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { KeysetPosition } from '../../../platform/http/pagination';
import type { ReminderStage } from './reminder-plan';

export interface ScheduleRow {
  offsets_days: number[];
  updated_by: string | null;
  updated_at: Date;
}

/** A reminder as recorded; dates as YYYY-MM-DD, money as pg's bigint string. */
export interface ReminderRow {
  id: string;
  company_id: string;
  invoice_id: string;
  customer_id: string;
  invoice_number: string;
  offset_days: number;
  stage: ReminderStage;
  reminded_on: string;
  due_date: string;
  balance_minor: string;
  currency: string;
  created_at: Date;
}

/** A reminder the scan has just recorded. */
export type RecordedReminder = Omit<ReminderRow, 'created_at'>;

/** What dunning needs to know of an invoice. */
export interface InvoiceFacts {
  id: string;
  status: string;
  issue_date: string;
  due_date: string;
  balance_minor: string;
  currency: string;
}

const REMINDER_COLUMNS = `r.id, r.company_id, r.invoice_id, r.customer_id, r.invoice_number, r.offset_days, r.stage,
  r.reminded_on::text AS reminded_on, r.due_date::text AS due_date, r.balance_minor, r.currency, r.created_at`;

/** Every query of dunning (payment reminders). */
@Injectable()
export class DunningRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async schedule(companyId: string): Promise<ScheduleRow | undefined> {
    const [row] = await this.dataSource.query<ScheduleRow[]>(
      `SELECT offsets_days, updated_by, updated_at FROM invoice_reminder_schedules WHERE company_id = $1`,
      [companyId],
    );
    return row;
  }

  async saveSchedule(companyId: string, offsets: number[], userId: string, at: Date): Promise<ScheduleRow> {
    const [row] = await this.dataSource.query<ScheduleRow[]>(
      `INSERT INTO invoice_reminder_schedules (company_id, offsets_days, updated_by, updated_at)
       VALUES ($1, $2::integer[], $3, $4)
       ON CONFLICT (company_id) DO UPDATE
         SET offsets_days = EXCLUDED.offsets_days, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
       RETURNING offsets_days, updated_by, updated_at`,
      [companyId, offsets, userId, at],
    );
    return row;
  }

  /**
   * One batch of the scan, in one statement: takes the next `limit` invoices still open or partially
   * paid with a balance (by id, after `after`: an index-only scan of `invoices_remindable`), records the reminder each is due on `today`, and answers
   * the last invoice looked at (null when none was left) with the reminders recorded.
   *
   * The rule is `dueOffset` in reminder-plan.ts: the latest offset of the company's schedule (or
   * `defaults`) whose day has come and is not before the issue date, unless an offset at or after it was
   * already sent. The invoices reminded are share-locked, skipping those being written right now (the
   * next scan sees them), so a payment committed meanwhile is seen and its invoice left alone; ON
   * CONFLICT on (invoice_id, offset_days) keeps a concurrent scan from recording a reminder twice.
   */
  async remindDue(
    manager: EntityManager,
    today: string,
    defaults: readonly number[],
    after: string,
    limit: number,
    at: Date,
  ): Promise<{ last: string | null; reminders: RecordedReminder[] }> {
    const [row] = await manager.query<Array<{ last: string | null; reminders: RecordedReminder[] }>>(
      `WITH batch AS MATERIALIZED (
         SELECT i.id, i.company_id, i.due_date, i.issue_date FROM invoices i
          WHERE i.id > $3::uuid AND i.status IN ('open', 'partially_paid') AND i.balance_minor > 0
          ORDER BY i.id LIMIT $4
       ),
       due AS (
         SELECT b.id AS invoice_id, max(o.offset_days) AS offset_days
           FROM batch b
           LEFT JOIN invoice_reminder_schedules s ON s.company_id = b.company_id
           CROSS JOIN LATERAL unnest(coalesce(s.offsets_days, $2::integer[])) AS o(offset_days)
          WHERE b.due_date + o.offset_days <= $1::date
            AND b.due_date + o.offset_days >= b.issue_date
          GROUP BY b.id
       ),
       pending AS (
         SELECT d.invoice_id, d.offset_days FROM due d
          WHERE NOT EXISTS (SELECT 1 FROM invoice_reminders r
                             WHERE r.invoice_id = d.invoice_id AND r.offset_days >= d.offset_days)
       ),
       chosen AS (
         SELECT i.id, i.company_id, i.customer_id, i.invoice_number, i.due_date, i.balance_minor, i.currency,
                p.offset_days
           FROM invoices i JOIN pending p ON p.invoice_id = i.id
          WHERE i.status IN ('open', 'partially_paid') AND i.balance_minor > 0
            FOR SHARE OF i SKIP LOCKED
       ),
       recorded AS (
         INSERT INTO invoice_reminders AS r
           (company_id, invoice_id, customer_id, invoice_number, offset_days, stage, reminded_on, due_date,
            balance_minor, currency, created_at)
         SELECT c.company_id, c.id, c.customer_id, c.invoice_number, c.offset_days,
                CASE WHEN $1::date > c.due_date THEN 'overdue' ELSE 'before_due' END,
                $1::date, c.due_date, c.balance_minor, c.currency, $5
           FROM chosen c
         ON CONFLICT (invoice_id, offset_days) DO NOTHING
         RETURNING r.id, r.company_id, r.invoice_id, r.customer_id, r.invoice_number, r.offset_days, r.stage,
                   r.reminded_on::text AS reminded_on, r.due_date::text AS due_date,
                   r.balance_minor::text AS balance_minor, r.currency
       )
       SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last,
              coalesce((SELECT json_agg(recorded ORDER BY recorded.invoice_id) FROM recorded), '[]'::json)
                AS reminders`,
      [today, defaults, after, limit, at],
    );
    return row;
  }

  async invoice(companyId: string, invoiceId: string): Promise<InvoiceFacts | undefined> {
    const [row] = await this.dataSource.query<InvoiceFacts[]>(
      `SELECT id, status, issue_date::text AS issue_date, due_date::text AS due_date, balance_minor, currency
         FROM invoices WHERE company_id = $1 AND id = $2`,
      [companyId, invoiceId],
    );
    return row;
  }

  /** Offsets already reminded for an invoice (for planning the next one). */
  async sentOffsets(companyId: string, invoiceId: string): Promise<number[]> {
    const rows = await this.dataSource.query<Array<{ offset_days: number }>>(
      `SELECT offset_days FROM invoice_reminders WHERE company_id = $1 AND invoice_id = $2`,
      [companyId, invoiceId],
    );
    return rows.map((row) => row.offset_days);
  }

  /** An invoice's reminders in the order they were sent, keyset-paginated (`limit + 1` rows). */
  reminders(
    companyId: string,
    invoiceId: string,
    limit: number,
    after?: KeysetPosition,
  ): Promise<ReminderRow[]> {
    const params: unknown[] = [companyId, invoiceId, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (r.created_at, r.id) > ($4, $5)';
    }
    return this.dataSource.query<ReminderRow[]>(
      `SELECT ${REMINDER_COLUMNS} FROM invoice_reminders r
        WHERE r.company_id = $1 AND r.invoice_id = $2 ${keyset}
        ORDER BY r.created_at, r.id LIMIT $3`,
      params,
    );
  }
}
