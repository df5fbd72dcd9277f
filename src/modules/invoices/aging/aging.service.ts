import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { DomainException } from '../../../platform/http/domain-exception';
import { DEFAULT_LIMIT } from '../../../platform/http/pagination';
import { CustomersService } from '../../customers/customers.service';
import { AgingBasis, agingPath, parseCalendarDate, utcDate } from './aging-definitions';
import { AgingFigures, agingPage, BUCKET_NAMES, decodeAgingCursor } from './aging-response';
import { AgingMetrics } from './aging.metrics';
import { AgingRepository } from './aging.repository';
import type { AgingReportQuery, AgingAsOfQuery } from './dto/aging.dto';

/** The as-of date asked for (default today, UTC) or a 400 naming `as_of`. */
export function resolveAsOf(text: string | undefined, now: Date): string {
  if (text === undefined) return utcDate(now);
  const date = parseCalendarDate(text);
  if (!date) {
    throw new DomainException('invalid_input', 'validation-failed', 'The as-of date is invalid', [
      { field: 'as_of', message: 'as_of must be a calendar date YYYY-MM-DD' },
    ]);
  }
  return date;
}

/**
 * AR aging, live: receivables by age bucket per customer and per company in each currency, as of any
 * date, computed by one set-based statement (aging.statements.ts).
 */
@Injectable()
export class AgingService {
  private customers?: CustomersService;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly repository: AgingRepository,
    private readonly metrics: AgingMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(AgingService.name);
  }

  async report(principal: Principal, query: AgingReportQuery) {
    const now = this.clock.now();
    const asOf = resolveAsOf(query.as_of, now);
    const basis: AgingBasis = query.basis ?? 'due_date';
    const after = query.cursor ? decodeAgingCursor(query.cursor) : undefined;
    if (query.customer_id) await this.visibleCustomer(principal, query.customer_id);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const started = performance.now();
    const path = agingPath(asOf, utcDate(now));
    const rows = await this.repository.report(
      { companyId: principal.companyId, asOf, basis, customerId: query.customer_id, path },
      { limit, after },
    );
    const seconds = (performance.now() - started) / 1000;
    this.metrics.calculated('live', seconds);
    this.logger.info(
      {
        operation: 'aging.report',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: query.customer_id,
        as_of: asOf,
        basis,
        path,
        duration_ms: Math.round(seconds * 1000),
      },
      'Aging computed',
    );
    return {
      as_of: asOf,
      basis,
      ...(query.customer_id ? { customer_id: query.customer_id } : {}),
      buckets: BUCKET_NAMES,
      ...agingPage(rows, limit),
    };
  }

  /** One customer: its overdue state (as of the last nightly run) and its live buckets per currency. */
  async customer(principal: Principal, customerId: string, query: AgingAsOfQuery) {
    const now = this.clock.now();
    const asOf = resolveAsOf(query.as_of, now);
    const basis: AgingBasis = query.basis ?? 'due_date';
    const customer = await this.visibleCustomer(principal, customerId);
    const started = performance.now();
    const [rows, overdue] = await Promise.all([
      this.repository.report(
        { companyId: principal.companyId, asOf, basis, customerId, path: agingPath(asOf, utcDate(now)) },
        { limit: 0 },
      ),
      this.repository.overdueState(principal.companyId, customerId),
    ]);
    this.metrics.calculated('live', (performance.now() - started) / 1000);
    const totals: AgingFigures[] = agingPage(rows, 0).totals;
    return {
      customer_id: customer.id,
      customer_number: customer.customerNumber,
      name: customer.name,
      overdue: overdue
        ? {
            state: overdue.state,
            oldest_due_date: overdue.oldest_due_date,
            days_past_due: overdue.days_past_due,
            as_of: overdue.as_of,
            changed_at: new Date(overdue.changed_at).toISOString(),
            computed_at: new Date(overdue.computed_at).toISOString(),
          }
        : {
            state: 'current' as const,
            oldest_due_date: null,
            days_past_due: null,
            as_of: null,
            changed_at: null,
            computed_at: null,
          },
      as_of: asOf,
      basis,
      buckets: BUCKET_NAMES,
      totals,
    };
  }

  /**
   * The customer as the customers module shows it to the caller: another tenant's id is a 404 like a
   * missing one; a soft-deleted customer (whose receivables remain) is visible to admins. Resolved from
   * the application's container on first use, because CustomersModule imports InvoicesModule (erasure
   * asks about financial records), so importing it back would close a module cycle.
   */
  private visibleCustomer(principal: Principal, customerId: string) {
    this.customers ??= this.moduleRef.get(CustomersService, { strict: false });
    return this.customers.get(principal, customerId, true);
  }
}
