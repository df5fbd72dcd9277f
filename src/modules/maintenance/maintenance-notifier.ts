import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import type { DomainEvent } from '../../platform/events/domain-event';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { CompaniesService } from '../companies/companies.service';
import { CustomersService } from '../customers/customers.service';
import { NotificationsService } from '../notifications/notifications.service';
import { AffectedCustomers } from './affected-customers';
import type { MaintenanceWindowFacts } from './maintenance.events';
import { MaintenanceRepository, WindowRow } from './maintenance.repository';
import { formatNoticeTime, inBatches, NOTICE_TYPES, NoticeStage } from './maintenance-window';
import './maintenance.events';

/** Customers per notification request: bounded work per request (each recipient is looked up and rendered). */
export const NOTICE_BATCH = 100;

/**
 * Whether a stage is still worth telling when its job runs (jobs run in parallel and may be retried
 * late): an announcement of a window that has since started, been moved or cancelled is not.
 */
export function stageStillCurrent(stage: NoticeStage, window: WindowRow, version: number): boolean {
  switch (stage) {
    case 'announced':
      return window.status === 'scheduled' && window.announced_at !== null && window.version === version;
    case 'rescheduled':
      return (window.status === 'scheduled' || window.status === 'in_progress') && window.version === version;
    case 'started':
      return window.status === 'in_progress';
    case 'completed':
      return window.status === 'completed';
    case 'cancelled':
      return window.status === 'cancelled';
  }
}

/**
 * Tells customers about each stage of a window: durable subscribers of the module's events. Who hears
 * a stage is decided once, under the window's lock, and recorded (maintenance_notices), so a retried
 * job sends the same batches with the same idempotency keys (window, stage, version, batch) and nobody
 * is told twice. Announcements, moves, starts and completions reach the customers using the affected
 * services now plus everyone already told; a cancellation reaches only those already told.
 */
@Injectable()
export class MaintenanceNotifier {
  constructor(
    private readonly repository: MaintenanceRepository,
    private readonly affected: AffectedCustomers,
    private readonly notifications: NotificationsService,
    private readonly customers: CustomersService,
    private readonly companies: CompaniesService,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(MaintenanceNotifier.name);
  }

  @OnDomainEvent('MaintenanceAnnounced', { name: 'maintenance.notify-announced' })
  announced(event: DomainEvent<'MaintenanceAnnounced'>): Promise<void> {
    return this.notify('announced', event, {});
  }

  @OnDomainEvent('MaintenanceRescheduled', { name: 'maintenance.notify-rescheduled' })
  async rescheduled(event: DomainEvent<'MaintenanceRescheduled'>): Promise<void> {
    if (!event.metadata.customers_told) return; // nobody heard of it yet: the announcement carries the new times
    await this.notify('rescheduled', event, {
      previous_starts_at: formatNoticeTime(event.metadata.previous_starts_at),
      previous_ends_at: formatNoticeTime(event.metadata.previous_ends_at),
    });
  }

  @OnDomainEvent('MaintenanceStarted', { name: 'maintenance.notify-started' })
  started(event: DomainEvent<'MaintenanceStarted'>): Promise<void> {
    return this.notify('started', event, {});
  }

  @OnDomainEvent('MaintenanceCompleted', { name: 'maintenance.notify-completed' })
  completed(event: DomainEvent<'MaintenanceCompleted'>): Promise<void> {
    return this.notify('completed', event, {});
  }

  @OnDomainEvent('MaintenanceCancelled', { name: 'maintenance.notify-cancelled' })
  cancelled(event: DomainEvent<'MaintenanceCancelled'>): Promise<void> {
    return this.notify('cancelled', event, { reason: event.metadata.reason ?? '' });
  }

  private async notify(
    stage: NoticeStage,
    event: DomainEvent & { metadata: MaintenanceWindowFacts },
    extra: Record<string, string>,
  ): Promise<void> {
    const started = performance.now();
    const companyId = event.company_id;
    const facts = event.metadata;
    const audience = await this.audience(stage, companyId, facts);
    if (audience === undefined) {
      this.logger.debug(
        { operation: 'maintenance.notify', company_id: companyId, window_id: facts.window_id, stage },
        'Maintenance stage no longer current; nobody told',
      );
      return;
    }
    const data = {
      company_name: await this.companies.nameOf(companyId),
      services: facts.services.join(', '),
      severity: facts.severity,
      starts_at: formatNoticeTime(facts.starts_at),
      ends_at: formatNoticeTime(facts.ends_at),
      message: facts.message,
      ...extra,
    };
    let customers = 0;
    for (const [batch, ids] of audience) {
      // A customer deleted or erased since the audience was chosen can no longer be addressed.
      const live = await this.customers.liveIds(companyId, ids);
      if (live.length === 0) continue;
      await this.notifications.request({
        companyId,
        type: NOTICE_TYPES[stage],
        severity: facts.severity === 'critical' ? 'critical' : 'normal',
        idempotencyKey: `maintenance:${facts.window_id}:${stage}:v${facts.version}:b${batch}`,
        data,
        recipients: live.map((id) => ({ kind: 'customer' as const, id, channels: ['email', 'in_app'] })),
      });
      customers += live.length;
    }
    this.logger.info(
      {
        operation: 'maintenance.notify',
        company_id: companyId,
        window_id: facts.window_id,
        stage,
        version: facts.version,
        customers,
        duration_ms: Math.round(performance.now() - started),
      },
      'Maintenance notice requested',
    );
  }

  /**
   * The customers of a stage by batch: chosen on the first run under the window's lock (so it is
   * ordered against cancellation) and recorded; later runs reuse the record. Undefined when the stage
   * is no longer current and nobody had been chosen for it.
   */
  private audience(
    stage: NoticeStage,
    companyId: string,
    facts: MaintenanceWindowFacts,
  ): Promise<Map<number, string[]> | undefined> {
    return this.repository.transaction(async (manager) => {
      const window = await this.repository.lock(manager, companyId, facts.window_id);
      if (!window) return undefined;
      let chosen = await this.repository.notices(manager, companyId, window.id, stage, facts.version);
      if (chosen.length === 0) {
        if (!stageStillCurrent(stage, window, facts.version)) return undefined;
        const told = await this.repository.toldCustomers(manager, companyId, window.id);
        const using = stage === 'cancelled' ? [] : await this.affected.of(companyId, facts.services);
        const ids = [...new Set([...told, ...using])].sort();
        await this.repository.insertNotices(
          manager,
          companyId,
          window.id,
          stage,
          facts.version,
          ids,
          NOTICE_BATCH,
          this.clock.now(),
        );
        chosen = inBatches(ids, NOTICE_BATCH).flatMap((batch, n) =>
          batch.map((id) => ({ customer_id: id, batch: n })),
        );
      }
      const batches = new Map<number, string[]>();
      for (const row of chosen) {
        const batch = batches.get(row.batch);
        if (batch) batch.push(row.customer_id);
        else batches.set(row.batch, [row.customer_id]);
      }
      return batches;
    });
  }
}
