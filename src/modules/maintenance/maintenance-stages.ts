import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventBus } from '../../platform/events/event-bus';
import type { MaintenanceWindowFacts } from './maintenance.events';
import { MaintenanceRepository, WindowRow } from './maintenance.repository';
import './maintenance.events';

export function factsOf(row: WindowRow): MaintenanceWindowFacts {
  return {
    window_id: row.id,
    version: row.version,
    starts_at: new Date(row.starts_at).toISOString(),
    ends_at: new Date(row.ends_at).toISOString(),
    services: row.services,
    severity: row.severity,
    message: row.message,
  };
}

export interface StageCounts {
  announced: number;
  started: number;
  completed: number;
}

/**
 * The time-driven stages of windows: announce (48 h ahead), start, complete. Each is one set-based
 * statement that changes the due windows and publishes their events in the same transaction. The scan
 * runs them over every tenant; scheduling or moving a window runs them for that window at once, so a
 * window starting within 48 h is announced immediately and one already under way starts immediately.
 */
@Injectable()
export class MaintenanceStages {
  constructor(
    private readonly repository: MaintenanceRepository,
    private readonly events: EventBus,
  ) {}

  /** Applies every due stage (in order: announce, start, complete), up to `limit` windows each. */
  async advance(manager: EntityManager, now: Date, limit: number, windowId?: string): Promise<StageCounts> {
    const announced = await this.repository.announceDue(manager, now, limit, windowId);
    await this.events.publish(
      manager,
      ...announced.map((row) => ({
        type: 'MaintenanceAnnounced' as const,
        companyId: row.company_id,
        metadata: factsOf(row),
      })),
    );
    const started = await this.repository.startDue(manager, now, limit, windowId);
    await this.events.publish(
      manager,
      ...started.map((row) => ({
        type: 'MaintenanceStarted' as const,
        companyId: row.company_id,
        metadata: factsOf(row),
      })),
    );
    const completed = await this.repository.completeDue(manager, now, limit, windowId);
    await this.events.publish(
      manager,
      ...completed.map((row) => ({
        type: 'MaintenanceCompleted' as const,
        companyId: row.company_id,
        metadata: factsOf(row),
      })),
    );
    return { announced: announced.length, started: started.length, completed: completed.length };
  }
}
