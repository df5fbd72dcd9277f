import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { MaintenanceSeverity, MaintenanceStatus, NoticeStage } from './maintenance-window';

export interface WindowRow {
  id: string;
  company_id: string;
  starts_at: Date;
  ends_at: Date;
  services: string[];
  severity: MaintenanceSeverity;
  message: string;
  status: MaintenanceStatus;
  version: number;
  announce_at: Date;
  announced_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewWindow {
  companyId: string;
  startsAt: Date;
  endsAt: Date;
  services: string[];
  severity: MaintenanceSeverity;
  message: string;
  announceAt: Date;
  createdBy: string;
  at: Date;
}

export interface WindowChanges {
  startsAt: Date;
  endsAt: Date;
  services: string[];
  severity: MaintenanceSeverity;
  message: string;
  version: number;
  announceAt: Date;
  announcedAt: Date | null;
  at: Date;
}

const COLUMNS = `w.id, w.company_id, w.starts_at, w.ends_at, w.services, w.severity, w.message, w.status, w.version,
  w.announce_at, w.announced_at, w.started_at, w.completed_at, w.cancelled_at, w.cancel_reason, w.created_by,
  w.created_at, w.updated_at`;

/** Every query of the maintenance module. */
@Injectable()
export class MaintenanceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, values: NewWindow): Promise<WindowRow> {
    const [row] = await manager.query<WindowRow[]>(
      `INSERT INTO maintenance_windows AS w
         (company_id, starts_at, ends_at, services, severity, message, announce_at, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       RETURNING ${COLUMNS}`,
      [
        values.companyId,
        values.startsAt,
        values.endsAt,
        values.services,
        values.severity,
        values.message,
        values.announceAt,
        values.createdBy,
        values.at,
      ],
    );
    return row;
  }

  async find(companyId: string, id: string): Promise<WindowRow | undefined> {
    const [row] = await this.dataSource.query<WindowRow[]>(
      `SELECT ${COLUMNS} FROM maintenance_windows w WHERE w.company_id = $1 AND w.id = $2`,
      [companyId, id],
    );
    return row;
  }

  /** The window, locked for the rest of the transaction; another tenant's id finds nothing. */
  async lock(manager: EntityManager, companyId: string, id: string): Promise<WindowRow | undefined> {
    const [row] = await manager.query<WindowRow[]>(
      `SELECT ${COLUMNS} FROM maintenance_windows w WHERE w.company_id = $1 AND w.id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return row;
  }

  async update(manager: EntityManager, id: string, changes: WindowChanges): Promise<WindowRow> {
    const [row] = returnedRows(
      await manager.query<WindowRow[]>(
        `UPDATE maintenance_windows w
            SET starts_at = $2, ends_at = $3, services = $4, severity = $5, message = $6, version = $7,
                announce_at = $8, announced_at = $9, updated_at = $10
          WHERE w.id = $1
          RETURNING ${COLUMNS}`,
        [
          id,
          changes.startsAt,
          changes.endsAt,
          changes.services,
          changes.severity,
          changes.message,
          changes.version,
          changes.announceAt,
          changes.announcedAt,
          changes.at,
        ],
      ),
    );
    return row;
  }

  async cancel(manager: EntityManager, id: string, reason: string | null, at: Date): Promise<WindowRow> {
    const [row] = returnedRows(
      await manager.query<WindowRow[]>(
        `UPDATE maintenance_windows w
            SET status = 'cancelled', cancelled_at = $2, cancel_reason = $3, updated_at = $2
          WHERE w.id = $1
          RETURNING ${COLUMNS}`,
        [id, at, reason],
      ),
    );
    return row;
  }

  /** Current and upcoming windows of a tenant by start, keyset-paginated (`limit + 1` rows). */
  listLive(companyId: string, now: Date, limit: number, after?: KeysetPosition): Promise<WindowRow[]> {
    const params: unknown[] = [companyId, now, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (w.starts_at, w.id) > ($4, $5)';
    }
    return this.dataSource.query<WindowRow[]>(
      `SELECT ${COLUMNS} FROM maintenance_windows w
        WHERE w.company_id = $1 AND w.status IN ('scheduled', 'in_progress') AND w.ends_at > $2 ${keyset}
        ORDER BY w.starts_at, w.id LIMIT $3`,
      params,
    );
  }

  /**
   * Marks up to `limit` windows announced whose announcement is due (48 h before the start) and that
   * have not started; returns them. Only `windowId` when given (the caller then holds its lock).
   */
  async announceDue(manager: EntityManager, now: Date, limit: number, windowId?: string) {
    return this.transition(
      manager,
      `SET announced_at = $1, updated_at = $1`,
      `status = 'scheduled' AND announced_at IS NULL AND announce_at <= $1 AND starts_at > $1`,
      'announce_at',
      now,
      limit,
      windowId,
    );
  }

  /** Scheduled windows whose start has come: now in progress. */
  async startDue(manager: EntityManager, now: Date, limit: number, windowId?: string) {
    return this.transition(
      manager,
      `SET status = 'in_progress', started_at = $1, updated_at = $1`,
      `status = 'scheduled' AND starts_at <= $1`,
      'starts_at',
      now,
      limit,
      windowId,
    );
  }

  /** Windows in progress whose end has come: completed. */
  async completeDue(manager: EntityManager, now: Date, limit: number, windowId?: string) {
    return this.transition(
      manager,
      `SET status = 'completed', completed_at = $1, updated_at = $1`,
      `status = 'in_progress' AND ends_at <= $1`,
      'ends_at',
      now,
      limit,
      windowId,
    );
  }

  /**
   * One set-based transition over the matching partial index: lock the due rows (skipping those another
   * worker holds), change them, return them. A second run finds nothing left to do.
   */
  private async transition(
    manager: EntityManager,
    set: string,
    due: string,
    order: string,
    now: Date,
    limit: number,
    windowId?: string,
  ): Promise<WindowRow[]> {
    const params: unknown[] = [now, limit];
    if (windowId) params.push(windowId);
    return returnedRows(
      await manager.query<WindowRow[]>(
        `UPDATE maintenance_windows w ${set}
           FROM (SELECT id FROM maintenance_windows
                  WHERE ${due} ${windowId ? 'AND id = $3' : ''}
                  ORDER BY ${order} LIMIT $2 FOR UPDATE SKIP LOCKED) due
          WHERE w.id = due.id
          RETURNING ${COLUMNS}`,
        params,
      ),
    );
  }

  /** The customers a stage of a window goes to, by batch, once chosen (empty before). */
  async notices(
    manager: EntityManager,
    companyId: string,
    windowId: string,
    stage: NoticeStage,
    version: number,
  ): Promise<Array<{ customer_id: string; batch: number }>> {
    return manager.query(
      `SELECT customer_id, batch FROM maintenance_notices
        WHERE company_id = $1 AND window_id = $2 AND stage = $3 AND version = $4
        ORDER BY batch, customer_id`,
      [companyId, windowId, stage, version],
    );
  }

  /** Records who a stage goes to, in batches of `batchSize` in the given order. */
  async insertNotices(
    manager: EntityManager,
    companyId: string,
    windowId: string,
    stage: NoticeStage,
    version: number,
    customerIds: string[],
    batchSize: number,
    at: Date,
  ): Promise<void> {
    if (customerIds.length === 0) return;
    await manager.query(
      `INSERT INTO maintenance_notices (company_id, window_id, stage, version, customer_id, batch, created_at)
       SELECT $1, $2, $3, $4, c.id, (c.n - 1) / $6, $7
         FROM unnest($5::uuid[]) WITH ORDINALITY AS c(id, n)
       ON CONFLICT DO NOTHING`,
      [companyId, windowId, stage, version, customerIds, batchSize, at],
    );
  }

  /** Everyone told anything about the window so far. */
  async toldCustomers(manager: EntityManager, companyId: string, windowId: string): Promise<string[]> {
    const rows = await manager.query<Array<{ customer_id: string }>>(
      `SELECT DISTINCT customer_id FROM maintenance_notices WHERE company_id = $1 AND window_id = $2`,
      [companyId, windowId],
    );
    return rows.map((row) => row.customer_id);
  }
}
