import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../../platform/http/pagination';
import {
  ListRemindersQuery,
  PutReminderScheduleDto,
  reminderResponse,
  scheduleResponse,
} from './dunning.dto';
import { DunningRepository } from './dunning.repository';
import { DEFAULT_OFFSETS, nextReminder, REMINDABLE_STATUSES, scheduleErrors, utcDay } from './reminder-plan';

/**
 * Payment reminders (dunning): each company's schedule of reminders around the due date, and what was
 * sent for an invoice. The sending itself is DunningScanner's.
 */
@Injectable()
export class DunningService {
  constructor(
    private readonly repository: DunningRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(DunningService.name);
  }

  async schedule(principal: Principal) {
    const row = await this.repository.schedule(principal.companyId);
    return scheduleResponse(row?.offsets_days ?? DEFAULT_OFFSETS, row);
  }

  async putSchedule(principal: Principal, input: PutReminderScheduleDto) {
    const errors = scheduleErrors(input.offsets_days);
    if (errors.length > 0) {
      throw new DomainException(
        'invalid_input',
        'reminder-schedule-invalid',
        'The reminder schedule is invalid',
        errors,
      );
    }
    const started = performance.now();
    const row = await this.repository.saveSchedule(
      principal.companyId,
      input.offsets_days,
      principal.userId,
      this.clock.now(),
    );
    this.logger.info(
      {
        operation: 'dunning.schedule.update',
        company_id: principal.companyId,
        user_id: principal.userId,
        offsets_days: row.offsets_days,
        duration_ms: Math.round(performance.now() - started),
      },
      'Payment reminder schedule changed',
    );
    return scheduleResponse(row.offsets_days, row);
  }

  /**
   * The reminders sent for an invoice, oldest first, and when the next one goes (null once the invoice
   * is paid or void, or the schedule has no later offset).
   */
  async reminders(principal: Principal, invoiceId: string, query: ListRemindersQuery) {
    const invoice = await this.repository.invoice(principal.companyId, invoiceId);
    if (!invoice) throw DomainException.notFound('Invoice');
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.reminders(principal.companyId, invoiceId, query.limit, after);
    const page = toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      reminderResponse,
    );
    const remindable =
      (REMINDABLE_STATUSES as readonly string[]).includes(invoice.status) &&
      BigInt(invoice.balance_minor) > 0n;
    let next = null;
    if (remindable) {
      const schedule = await this.repository.schedule(principal.companyId);
      next = nextReminder({
        offsets: schedule?.offsets_days ?? DEFAULT_OFFSETS,
        issueDate: invoice.issue_date,
        dueDate: invoice.due_date,
        sentOffsets: await this.repository.sentOffsets(principal.companyId, invoiceId),
        today: utcDay(this.clock.now()),
      });
    }
    return { ...page, next_reminder: next };
  }
}
