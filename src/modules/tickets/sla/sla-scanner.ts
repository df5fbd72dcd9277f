import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { EventBus } from '../../../platform/events/event-bus';
import { TaskScheduler } from '../../../platform/scheduling/task-scheduler';
import { TicketSlaRepository } from './ticket-sla.repository';
import '../tickets.events';

/** Tickets or targets handled per transaction: bounded lock time, any number in all. */
const BATCH = 2000;

/**
 * The scheduled SLA scan (once per tick across replicas): marks targets past their deadline as
 * missed, then raises tickets whose planned escalation is due. Both are set-based statements over
 * partial indexes; the plans themselves are computed when a ticket's clocks change.
 */
@Injectable()
export class SlaScanner {
  constructor(
    private readonly repository: TicketSlaRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
    config: AppConfig,
  ) {
    logger.setContext(SlaScanner.name);
    scheduler.register({
      name: 'tickets.sla-scan',
      cadence: { every: config.TICKET_SLA_SCAN_INTERVAL_MS },
      run: () => this.scan().then(() => undefined),
    });
  }

  async scan(): Promise<{ breached: number; escalated: number }> {
    const started = performance.now();
    const now = this.clock.now();
    const breached = await this.inBatches(async (manager) => {
      const rows = await this.repository.breachDue(manager, now, BATCH);
      await this.events.publish(
        manager,
        ...rows.map((row) => ({
          type: 'TicketSlaBreached' as const,
          companyId: row.company_id,
          customerId: row.customer_id,
          metadata: {
            ticket_id: row.ticket_id,
            ticket_number: row.ticket_number,
            kind: row.kind,
            due_at: new Date(row.due_at).toISOString(),
            department: row.department,
            priority: row.priority,
          },
        })),
      );
      return rows.length;
    });
    const escalated = await this.inBatches(async (manager) => {
      const rows = await this.repository.escalateDue(manager, now, BATCH);
      await this.events.publish(
        manager,
        ...rows.map((row) => ({
          type: 'TicketEscalated' as const,
          companyId: row.company_id,
          customerId: row.customer_id,
          metadata: {
            ticket_id: row.id,
            ticket_number: row.ticket_number,
            subject: row.subject,
            from_level: row.from_level,
            to_level: row.step.level,
            reason: row.step.reason,
            notify_role: row.step.notify_role,
            notify_customer: row.step.notify_customer,
            department: row.department,
            priority: row.priority,
            assignee_id: row.assignee_id,
          },
        })),
      );
      return rows.length;
    });
    if (breached + escalated > 0) {
      this.logger.info(
        {
          operation: 'tickets.sla_scan',
          breached,
          escalated,
          duration_ms: Math.round(performance.now() - started),
        },
        'SLA scan applied breaches and escalations',
      );
    }
    return { breached, escalated };
  }

  /** Runs `work` (one transaction per batch) until a batch comes back short; the total handled. */
  private async inBatches(work: (manager: EntityManager) => Promise<number>): Promise<number> {
    let total = 0;
    for (let batch = BATCH; batch === BATCH; total += batch) {
      batch = await this.repository.transaction(work);
    }
    return total;
  }
}
