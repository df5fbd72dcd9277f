import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { EventBus } from '../../../platform/events/event-bus';
import { TaskScheduler } from '../../../platform/scheduling/task-scheduler';
import type { InvoiceReminderFacts } from './dunning.events';
import { DunningRepository, RecordedReminder } from './dunning.repository';
import { formatMoney } from './money-format';
import { DEFAULT_OFFSETS, reminderWording, utcDay } from './reminder-plan';
import './dunning.events';

/** Invoices looked at per statement and transaction: bounded work and lock time, one pass over all. */
const BATCH = 5000;
/** Below every uuid: where the pass over invoices (by id) starts. */
const FIRST = '00000000-0000-0000-0000-000000000000';

export function reminderFacts(row: RecordedReminder): InvoiceReminderFacts {
  return {
    reminder_id: row.id,
    invoice_id: row.invoice_id,
    invoice_number: row.invoice_number,
    offset_days: row.offset_days,
    stage: row.stage,
    due_date: row.due_date,
    reminded_on: row.reminded_on,
    balance_minor: Number(row.balance_minor),
    currency: row.currency,
    display: {
      amount_due: formatMoney(row.balance_minor, row.currency),
      ...reminderWording(row.due_date, row.reminded_on),
    },
  };
}

/**
 * The scheduled dunning scan (once per tick across replicas, every DUNNING_SCAN_INTERVAL_MS): records
 * the reminders due today (UTC days) and publishes one InvoiceReminderSent per reminder in the same
 * transaction; the notifications module sends them. Running it again the same day finds nothing.
 */
@Injectable()
export class DunningScanner {
  constructor(
    private readonly repository: DunningRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
    config: AppConfig,
  ) {
    logger.setContext(DunningScanner.name);
    scheduler.register({
      name: 'invoices.dunning-scan',
      cadence: { every: config.DUNNING_SCAN_INTERVAL_MS },
      run: () => this.scan().then(() => undefined),
    });
  }

  async scan(): Promise<{ reminded: number }> {
    const started = performance.now();
    const now = this.clock.now();
    const today = utcDay(now);
    let reminded = 0;
    let after: string | null = FIRST;
    while (after !== null) {
      const from: string = after;
      const batch = await this.repository.transaction(async (manager) => {
        const recorded = await this.repository.remindDue(manager, today, DEFAULT_OFFSETS, from, BATCH, now);
        await this.events.publish(
          manager,
          ...recorded.reminders.map((row) => ({
            type: 'InvoiceReminderSent' as const,
            companyId: row.company_id,
            customerId: row.customer_id,
            metadata: reminderFacts(row),
          })),
        );
        return recorded;
      });
      reminded += batch.reminders.length;
      after = batch.last;
    }
    if (reminded > 0) {
      this.logger.info(
        {
          operation: 'dunning.scan',
          reminded_on: today,
          reminded,
          duration_ms: Math.round(performance.now() - started),
        },
        'Payment reminders due today recorded',
      );
    }
    return { reminded };
  }
}
