import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, Page, toPage } from '../../platform/http/pagination';
import { AffectedCustomers, AffectedCustomerSource } from './affected-customers';
import {
  CancelMaintenanceDto,
  ListMaintenanceQuery,
  publicWindowResponse,
  ScheduleMaintenanceDto,
  UpdateMaintenanceDto,
  windowResponse,
} from './dto/maintenance.dto';
import { MaintenanceRepository, WindowRow } from './maintenance.repository';
import { factsOf, MaintenanceStages } from './maintenance-stages';
import { announceAt, judgeEdit, windowTimeErrors } from './maintenance-window';
import './maintenance.events';

export type { AffectedCustomerSource } from './affected-customers';
export { normaliseServices, SERVICE_PATTERN } from './maintenance-window';

/** Enough for any one window: `advance` then touches only the window being changed. */
const ONE = 1;

const invalid = (errors: Array<{ field: string; message: string }>) =>
  new DomainException(
    'invalid_input',
    'maintenance-window-invalid',
    'The maintenance window is invalid',
    errors,
  );

/**
 * Maintenance windows (issue 6): admins schedule, move and cancel them; anyone lists a company's
 * current and upcoming ones. The module's public API, including where other modules say which
 * customers use a service (`registerAffectedCustomerSource`).
 */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly repository: MaintenanceRepository,
    private readonly stages: MaintenanceStages,
    private readonly affected: AffectedCustomers,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(MaintenanceService.name);
  }

  /**
   * Adds a source of customers affected by maintenance of a service (e.g. sessions: an active session
   * or package on it). Call it from the other module's provider constructor or onModuleInit.
   */
  registerAffectedCustomerSource(source: AffectedCustomerSource): void {
    this.affected.register(source);
  }

  async schedule(principal: Principal, input: ScheduleMaintenanceDto) {
    const started = performance.now();
    const now = this.clock.now();
    const startsAt = new Date(input.starts_at);
    const endsAt = new Date(input.ends_at);
    const errors = windowTimeErrors(startsAt, endsAt, now);
    if (errors.length > 0) throw invalid(errors);
    const window = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, {
        companyId: principal.companyId,
        startsAt,
        endsAt,
        services: input.services,
        severity: input.severity,
        message: input.message,
        announceAt: announceAt(startsAt),
        createdBy: principal.userId,
        at: now,
      });
      await this.events.publish(manager, {
        type: 'MaintenanceScheduled',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { ...factsOf(row), announce_at: row.announce_at.toISOString() },
      });
      await this.stages.advance(manager, now, ONE, row.id);
      return (await this.repository.lock(manager, principal.companyId, row.id))!;
    });
    this.log('maintenance.schedule', 'Maintenance window scheduled', principal, window, started);
    return windowResponse(window);
  }

  async get(principal: Principal, id: string) {
    const window = await this.repository.find(principal.companyId, id);
    if (!window) throw DomainException.notFound('Maintenance window');
    return windowResponse(window);
  }

  /** Current and upcoming windows of one company, by start. */
  async listLive(
    companyId: string,
    query: ListMaintenanceQuery,
  ): Promise<Page<ReturnType<typeof publicWindowResponse>>> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listLive(companyId, this.clock.now(), query.limit, after);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.starts_at).toISOString(), id: row.id }),
      publicWindowResponse,
    );
  }

  /**
   * Moves or edits a window. New times or services make a new version: customers already told hear of
   * the move, and a window moved more than 48 h out is announced again 48 h before its new start.
   */
  async update(principal: Principal, id: string, input: UpdateMaintenanceDto) {
    const started = performance.now();
    const now = this.clock.now();
    const window = await this.repository.transaction(async (manager) => {
      const current = await this.repository.lock(manager, principal.companyId, id);
      if (!current) throw DomainException.notFound('Maintenance window');
      const judgement = judgeEdit(
        current,
        {
          starts_at: input.starts_at === undefined ? undefined : new Date(input.starts_at),
          ends_at: input.ends_at === undefined ? undefined : new Date(input.ends_at),
          services: input.services,
          severity: input.severity,
          message: input.message,
        },
        now,
      );
      if (!judgement.ok) {
        if (judgement.kind === 'invalid_input') throw invalid(judgement.errors);
        throw new DomainException(
          'invalid_state',
          'maintenance-window-closed',
          judgement.message,
          judgement.errors,
        );
      }
      const { next, moved } = judgement;
      const nextAnnounceAt = announceAt(next.starts_at);
      // Told already but now more than 48 h out: announce again 48 h before the new start.
      const announcedAt = moved && nextAnnounceAt > now ? null : current.announced_at;
      const customersTold = current.announced_at !== null || current.status === 'in_progress';
      const row = await this.repository.update(manager, id, {
        startsAt: next.starts_at,
        endsAt: next.ends_at,
        services: next.services,
        severity: next.severity,
        message: next.message,
        version: moved ? current.version + 1 : current.version,
        announceAt: nextAnnounceAt,
        announcedAt,
        at: now,
      });
      if (moved) {
        await this.events.publish(manager, {
          type: 'MaintenanceRescheduled',
          companyId: principal.companyId,
          userId: principal.userId,
          metadata: {
            ...factsOf(row),
            previous_starts_at: current.starts_at.toISOString(),
            previous_ends_at: current.ends_at.toISOString(),
            previous_services: current.services,
            customers_told: customersTold,
          },
        });
        await this.stages.advance(manager, now, ONE, row.id);
      }
      return (await this.repository.lock(manager, principal.companyId, id))!;
    });
    this.log('maintenance.update', 'Maintenance window updated', principal, window, started);
    return windowResponse(window);
  }

  /** Calls a window off (before or during the work); the customers already told hear of it. */
  async cancel(principal: Principal, id: string, input: CancelMaintenanceDto) {
    const started = performance.now();
    const now = this.clock.now();
    const window = await this.repository.transaction(async (manager) => {
      const current = await this.repository.lock(manager, principal.companyId, id);
      if (!current) throw DomainException.notFound('Maintenance window');
      if (current.status !== 'scheduled' && current.status !== 'in_progress') {
        throw new DomainException(
          'invalid_state',
          'maintenance-window-closed',
          `A ${current.status} maintenance window cannot be cancelled`,
        );
      }
      const row = await this.repository.cancel(manager, id, input.reason || null, now);
      await this.events.publish(manager, {
        type: 'MaintenanceCancelled',
        companyId: principal.companyId,
        userId: principal.userId,
        metadata: { ...factsOf(row), previous_status: current.status, reason: row.cancel_reason },
      });
      return row;
    });
    this.log('maintenance.cancel', 'Maintenance window cancelled', principal, window, started);
    return windowResponse(window);
  }

  private log(operation: string, message: string, principal: Principal, window: WindowRow, started: number) {
    this.logger.info(
      {
        operation,
        company_id: principal.companyId,
        user_id: principal.userId,
        window_id: window.id,
        status: window.status,
        version: window.version,
        services: window.services,
        severity: window.severity,
        duration_ms: Math.round(performance.now() - started),
      },
      message,
    );
  }
}
