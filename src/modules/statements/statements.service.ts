import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, DEFAULT_LIMIT, toPage } from '../../platform/http/pagination';
import { ObjectNotFoundError, ObjectStorage } from '../../platform/storage/object-storage';
import { CustomersService } from '../customers/customers.service';
import { InvoicesService } from '../invoices/invoices.service';
import type { ListStatementsQuery, RequestStatementDto, RequestStatementRunDto } from './dto/statement.dto';
import {
  calendarMonth,
  resolvePeriod,
  StatementDeliveryMethod,
  StatementFormat,
  utcDay,
} from './statement-period';
import { StatementRow, StatementRunRow, StatementsRepository } from './statements.repository';
import './statements.events';

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);
const minor = (value: string | null): number | null => (value === null ? null : Number(value));

export const statementResponse = (row: StatementRow) => ({
  id: row.id,
  customer_id: row.customer_id,
  run_id: row.run_id,
  status: row.status,
  format: row.format,
  delivery_method: row.delivery_method,
  currency: row.currency,
  period_from: row.period_from,
  period_to: row.period_to,
  period_months: row.period_months,
  line_count: row.line_count,
  opening_balance_minor: minor(row.opening_balance_minor),
  closing_balance_minor: minor(row.closing_balance_minor),
  file:
    row.status === 'generated'
      ? {
          url: `/v1/statements/${row.id}/file`,
          filename: row.filename,
          content_type: row.content_type,
          size_bytes: minor(row.file_size_bytes),
        }
      : null,
  error: row.status === 'failed' ? row.error : null,
  attempts: row.attempts,
  requested_by: row.requested_by,
  created_at: iso(row.created_at),
  generated_at: iso(row.generated_at),
});

export type StatementResponse = ReturnType<typeof statementResponse>;

const runResponse = (run: StatementRunRow, counts?: Record<string, number>) => ({
  id: run.id,
  period: run.period_from.slice(0, 7),
  period_from: run.period_from,
  period_to: run.period_to,
  format: run.format,
  delivery_method: run.delivery_method,
  trigger: run.trigger,
  status: run.status,
  statements: {
    total: run.statements_count,
    queued: counts?.queued ?? run.statements_count,
    generating: counts?.generating ?? 0,
    generated: counts?.generated ?? 0,
    failed: counts?.failed ?? 0,
  },
  requested_by: run.requested_by,
  created_at: iso(run.created_at),
  completed_at: iso(run.completed_at),
});

/**
 * Customer statements: requests (one customer, or a monthly run for every customer with a balance),
 * their state, and their stored documents. Generation itself is the durable subscriber in
 * StatementGenerator; a request only writes the row and publishes StatementRequested in one transaction.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly repository: StatementsRepository,
    private readonly customers: CustomersService,
    private readonly invoices: InvoicesService,
    private readonly storage: ObjectStorage,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StatementsService.name);
  }

  /** 202: the queued statement; poll it until `generated`. Nothing is written when the request is refused. */
  async request(
    principal: Principal,
    customerId: string,
    input: RequestStatementDto,
  ): Promise<StatementResponse> {
    const started = performance.now();
    const customer = await this.customers.get(principal, customerId);
    const now = this.clock.now();
    const period = resolvePeriod(input, utcDay(now));
    const format: StatementFormat = input.format ?? 'pdf';
    const deliveryMethod: StatementDeliveryMethod = input.delivery_method ?? 'download';
    if (deliveryMethod === 'email') {
      const points = await this.customers.contactPoints(principal.companyId, customerId);
      if (!points?.email) {
        throw new DomainException(
          'unprocessable',
          'customer-has-no-email',
          'The customer has no email address to send the statement to',
          [{ field: 'delivery_method', message: 'the customer (or its primary contact) has no email' }],
        );
      }
    }
    const row = await this.repository.transaction(async (manager) => {
      const inserted = await this.repository.insert(manager, {
        companyId: principal.companyId,
        customerId,
        currency: input.currency ?? customer.currency.trim(),
        from: period.from,
        to: period.to,
        months: period.months,
        format,
        deliveryMethod,
        requestedBy: principal.userId,
        at: now,
      });
      await this.events.publish(manager, {
        type: 'StatementRequested',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId,
        metadata: {
          statement_id: inserted.id,
          run_id: null,
          format,
          delivery_method: deliveryMethod,
          period_from: period.from,
          period_to: period.to,
        },
      });
      return inserted;
    });
    this.logger.info(
      {
        operation: 'statement.request',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customerId,
        statement_id: row.id,
        format,
        delivery_method: deliveryMethod,
        period_from: period.from,
        period_to: period.to,
        duration_ms: Math.round(performance.now() - started),
      },
      'Statement requested',
    );
    return statementResponse(row);
  }

  async get(principal: Principal, id: string): Promise<StatementResponse> {
    return statementResponse(await this.visible(principal, id));
  }

  /** A customer's statements, newest first. */
  async list(principal: Principal, customerId: string, query: ListStatementsQuery) {
    await this.customers.get(principal, customerId, true);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listForCustomer(principal.companyId, customerId, limit, after);
    return toPage(
      rows,
      limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      statementResponse,
    );
  }

  /** The stored document; 409 while it is not generated. */
  async open(
    principal: Principal,
    id: string,
  ): Promise<{ stream: Readable; filename: string; contentType: string; sizeBytes: number }> {
    const row = await this.visible(principal, id);
    if (row.status !== 'generated' || !row.storage_key) {
      throw new DomainException(
        'invalid_state',
        'statement-not-generated',
        row.status === 'failed'
          ? 'The statement could not be generated; request a new one'
          : 'The statement is not generated yet; poll it until its status is generated',
      );
    }
    try {
      const stream = await this.storage.get(row.storage_key);
      return {
        stream,
        filename: row.filename ?? `statement-${row.id}.${row.format}`,
        contentType: row.content_type ?? 'application/octet-stream',
        sizeBytes: Number(row.file_size_bytes),
      };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        this.logger.error(
          { operation: 'statement.download', company_id: principal.companyId, statement_id: id, err: error },
          'A generated statement has no stored document',
        );
        throw new DomainException(
          'gone',
          'statement-file-missing',
          'The statement document is no longer stored',
        );
      }
      throw error;
    }
  }

  /** POST /v1/statements/runs: the month's run, created once (`created` false: it existed). */
  async requestRun(principal: Principal, input: RequestStatementRunDto) {
    const period = calendarMonth(input.period);
    const today = utcDay(this.clock.now());
    if (!period || period.to >= today) {
      throw new DomainException(
        'unprocessable',
        'statement-period-invalid',
        'A run is for a full past month',
        [{ field: 'period', message: `a month YYYY-MM that ended before today (${today})` }],
      );
    }
    const { run, created } = await this.createRun({
      companyId: principal.companyId,
      from: period.from,
      to: period.to,
      format: input.format ?? 'pdf',
      deliveryMethod: input.delivery_method ?? 'email',
      trigger: 'on_demand',
      requestedBy: principal.userId,
    });
    return { created, run: created ? runResponse(run) : await this.runWithCounts(run) };
  }

  async getRun(principal: Principal, id: string) {
    const run = await this.repository.findRun(principal.companyId, id);
    if (!run) throw DomainException.notFound('Statement run');
    return this.runWithCounts(run);
  }

  /**
   * A run for a company and month, exactly once: the run row (unique per company and period) and one
   * statement per live customer with a balance at the period's end (one INSERT … SELECT) are written
   * with one StatementRequested each, in one transaction. A run that exists is answered as it is.
   */
  async createRun(input: {
    companyId: string;
    from: string;
    to: string;
    format: StatementFormat;
    deliveryMethod: StatementDeliveryMethod;
    trigger: 'scheduled' | 'on_demand';
    requestedBy: string | null;
  }): Promise<{ run: StatementRunRow; created: boolean }> {
    const started = performance.now();
    const balances = await this.invoices.customersWithBalance(input.companyId, input.to);
    const live = new Set(
      await this.customers.liveIds(input.companyId, [...new Set(balances.map((b) => b.customerId))]),
    );
    const targets = balances.filter((b) => live.has(b.customerId));
    const now = this.clock.now();
    const result = await this.repository.transaction(async (manager) => {
      const claimed = await this.repository.claimRun(manager, { ...input, at: now });
      if (!claimed.created) return claimed;
      const rows = await this.repository.insertRunStatements(manager, claimed.run, targets, now);
      const run = { ...claimed.run, statements_count: rows.length };
      await this.events.publish(
        manager,
        ...rows.map((row) => ({
          type: 'StatementRequested' as const,
          companyId: input.companyId,
          userId: input.requestedBy,
          customerId: row.customer_id,
          metadata: {
            statement_id: row.id,
            run_id: run.id,
            format: run.format,
            delivery_method: run.delivery_method,
            period_from: run.period_from,
            period_to: run.period_to,
          },
        })),
      );
      await this.events.publish(manager, {
        type: 'StatementRunCreated',
        companyId: input.companyId,
        userId: input.requestedBy,
        metadata: {
          run_id: run.id,
          period_from: run.period_from,
          period_to: run.period_to,
          trigger: run.trigger,
          statements: rows.length,
        },
      });
      return { run, created: true };
    });
    this.logger.info(
      {
        operation: 'statement.run',
        company_id: input.companyId,
        user_id: input.requestedBy,
        run_id: result.run.id,
        trigger: input.trigger,
        period_from: input.from,
        period_to: input.to,
        created: result.created,
        statements: result.run.statements_count,
        duration_ms: Math.round(performance.now() - started),
      },
      result.created ? 'Statement run created' : 'Statement run exists already',
    );
    return result;
  }

  private async runWithCounts(run: StatementRunRow) {
    const counts = await this.repository.runCounts(run.company_id, run.id);
    if (run.status === 'running' && counts.queued === 0 && counts.generating === 0) {
      const at = this.clock.now();
      await this.repository.completeRun(run.id, at);
      return runResponse({ ...run, status: 'completed', completed_at: at }, counts);
    }
    return runResponse(run, counts);
  }

  /** The statement, if the caller may see it (its customer is visible to them); 404 otherwise. */
  private async visible(principal: Principal, id: string): Promise<StatementRow> {
    const row = await this.repository.find(principal.companyId, id);
    if (!row) throw DomainException.notFound('Statement');
    if (principal.customerId && principal.customerId !== row.customer_id)
      throw DomainException.notFound('Statement');
    return row;
  }
}
