import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import type { DomainEvent } from '../../platform/events/domain-event';
import { EventBus } from '../../platform/events/event-bus';
import type { DeliveryAttempt } from '../../platform/events/subscriber-registry';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import { DomainException } from '../../platform/http/domain-exception';
import { QUEUES } from '../../platform/queue/queue-names';
import { ObjectStorage } from '../../platform/storage/object-storage';
import { CompaniesService } from '../companies/companies.service';
import { CustomersService } from '../customers/customers.service';
import { AGING_BUCKETS, formatMoney, InvoicesService } from '../invoices/invoices.service';
import { NotificationsService } from '../notifications/notifications.service';
import { renderCsv } from './statement-csv';
import { StatementDocument, statementLines, statementTotals } from './statement-document';
import { periodMonthsLabel, type StatementFormat } from './statement-period';
import { renderPdf } from './statement-pdf';
import { StatementRow, StatementsRepository } from './statements.repository';
import { StatementsMetrics } from './statements.metrics';
import './statements.events';

export const CONTENT_TYPES: Record<StatementFormat, string> = { pdf: 'application/pdf', csv: 'text/csv' };

/** Where a statement's document is kept: one key per statement, rewritten whole by a rerun. */
export const statementKey = (row: Pick<StatementRow, 'company_id' | 'id' | 'format'>): string =>
  `statements/${row.company_id}/${row.id}.${row.format}`;

/** The notification type (templates/notifications/statement.ready) of an emailed statement. */
export const STATEMENT_EMAIL_TYPE = 'statement.ready';

/** Reads customers in the worker: statements of a soft-deleted customer (whose receivables remain) too. */
const workerPrincipal = (companyId: string): Principal => ({
  userId: 'system:statements',
  companyId,
  roles: ['admin'],
});

/**
 * The durable `statements.generate` subscriber (queue `statements`): makes one statement's document.
 *
 * Idempotent by construction: the document is a function of the statement (its period ended, its date is
 * the request's), so a rerun rewrites the same key with the same content; the outcome (status, the
 * email's notification, StatementGenerated) is decided once, under the statement's row lock, in one
 * transaction, and the notification's idempotency key is the statement's id. A job run twice, or
 * retried after a crash between storing and committing, therefore stores one document, sends one
 * email and publishes one event.
 */
@Injectable()
export class StatementGenerator {
  constructor(
    private readonly repository: StatementsRepository,
    private readonly customers: CustomersService,
    private readonly companies: CompaniesService,
    private readonly invoices: InvoicesService,
    private readonly notifications: NotificationsService,
    private readonly storage: ObjectStorage,
    private readonly events: EventBus,
    private readonly metrics: StatementsMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StatementGenerator.name);
  }

  @OnDomainEvent('StatementRequested', { name: 'statements.generate', queue: QUEUES.statements })
  async onRequested(event: DomainEvent<'StatementRequested'>, attempt?: DeliveryAttempt): Promise<void> {
    await this.generate(event.company_id, event.metadata.statement_id, attempt);
  }

  async generate(companyId: string, id: string, attempt?: DeliveryAttempt): Promise<void> {
    const started = performance.now();
    const statement = await this.repository.start(companyId, id, this.clock.now());
    if (!statement) return; // generated or failed already: a replayed job
    const log = {
      operation: 'statement.generate',
      company_id: companyId,
      customer_id: statement.customer_id,
      statement_id: id,
      run_id: statement.run_id,
      format: statement.format,
      delivery_method: statement.delivery_method,
    };
    try {
      const built = await this.build(statement);
      const body = statement.format === 'pdf' ? await renderPdf(built.document) : renderCsv(built.document);
      const storageKey = statementKey(statement);
      await this.storage.put(storageKey, Readable.from([body]));
      const contentType = CONTENT_TYPES[statement.format];
      const done = await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, companyId, id);
        if (!locked || locked.status === 'generated' || locked.status === 'failed') return undefined;
        const row = await this.repository.complete(manager, id, {
          storageKey,
          filename: built.filename,
          contentType,
          sizeBytes: body.length,
          lineCount: built.document.lines.length,
          openingMinor: built.document.openingMinor,
          closingMinor: built.document.closingMinor,
          at: this.clock.now(),
        });
        if (row.delivery_method === 'email') {
          await this.notifications.request(
            {
              companyId,
              type: STATEMENT_EMAIL_TYPE,
              idempotencyKey: `statement:${id}`,
              data: {
                company_name: built.document.companyName,
                period_from: row.period_from,
                period_to: row.period_to,
                currency: row.currency,
                closing_balance: formatMoney(built.document.closingMinor, row.currency),
                statement_id: id,
              },
              recipients: [{ kind: 'customer', id: row.customer_id, channels: ['email'] }],
              attachments: [{ filename: built.filename, content_type: contentType, storage_key: storageKey }],
            },
            manager,
          );
        }
        await this.events.publish(manager, {
          type: 'StatementGenerated',
          companyId,
          userId: row.requested_by,
          customerId: row.customer_id,
          metadata: {
            statement_id: id,
            format: row.format,
            delivery_method: row.delivery_method,
            period_from: row.period_from,
            period_to: row.period_to,
            line_count: built.document.lines.length,
            closing_balance_minor: built.document.closingMinor.toString(),
            currency: row.currency,
          },
        });
        return row;
      });
      if (!done) return;
      const seconds = Math.max(
        0,
        (new Date(done.generated_at!).getTime() - new Date(done.created_at).getTime()) / 1000,
      );
      this.metrics.statementGenerated(
        companyId,
        {
          format: done.format,
          deliveryMethod: done.delivery_method,
          periodMonths: periodMonthsLabel({
            from: done.period_from,
            to: done.period_to,
            months: done.period_months,
          }),
        },
        seconds,
      );
      this.logger.info(
        {
          ...log,
          line_count: done.line_count,
          size_bytes: body.length,
          attempt: statement.attempts,
          duration_ms: Math.round(performance.now() - started),
        },
        'Statement generated',
      );
    } catch (error) {
      // A customer gone for good will not come back on retry.
      const permanent = error instanceof DomainException && error.kind === 'not_found';
      const final = permanent || (attempt !== undefined && attempt.attempt >= attempt.maxAttempts);
      if (!final) {
        this.logger.warn(
          {
            ...log,
            attempt: attempt?.attempt,
            err: error,
            duration_ms: Math.round(performance.now() - started),
          },
          'Statement generation failed; it will be retried',
        );
        throw error;
      }
      const failed = await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, companyId, id);
        if (!locked || locked.status === 'generated' || locked.status === 'failed') return false;
        await this.repository.fail(manager, id, (error as Error).message);
        await this.events.publish(manager, {
          type: 'StatementGenerationFailed',
          companyId,
          customerId: locked.customer_id,
          metadata: {
            statement_id: id,
            format: locked.format,
            delivery_method: locked.delivery_method,
            attempts: locked.attempts,
          },
        });
        return true;
      });
      if (failed) this.metrics.statementFailed(companyId, statement.format);
      this.logger.error(
        {
          ...log,
          attempt: attempt?.attempt,
          err: error,
          duration_ms: Math.round(performance.now() - started),
        },
        'Statement generation failed',
      );
    }
  }

  /** The document's content: the customer, the company's name, the ledger over the period. */
  private async build(statement: StatementRow): Promise<{ document: StatementDocument; filename: string }> {
    const companyId = statement.company_id;
    const [customer, companyName, ledger] = await Promise.all([
      this.customers.get(workerPrincipal(companyId), statement.customer_id, true),
      this.companies.nameOf(companyId),
      this.invoices.customerLedger({
        companyId,
        customerId: statement.customer_id,
        currency: statement.currency,
        from: statement.period_from,
        to: statement.period_to,
      }),
    ]);
    const lines = statementLines(ledger.openingMinor, ledger.entries);
    const totals = statementTotals(ledger.openingMinor, lines);
    const document: StatementDocument = {
      statementId: statement.id,
      companyName,
      customer: {
        name: customer.name,
        number: customer.customerNumber,
        address: customer.billingAddress,
      },
      currency: statement.currency,
      from: statement.period_from,
      to: statement.period_to,
      openingMinor: ledger.openingMinor,
      lines,
      ...totals,
      aging: AGING_BUCKETS.map((bucket) => ({
        bucket,
        amountMinor: BigInt(ledger.aging.buckets[bucket].amount_minor),
      })),
      agingTotalMinor: BigInt(ledger.aging.total_minor),
      generatedAt: new Date(statement.created_at),
    };
    const filename = `statement-${customer.customerNumber}-${statement.period_from}-to-${statement.period_to}.${statement.format}`;
    return { document, filename };
  }
}
