import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { EventBus } from '../../../platform/events/event-bus';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../../platform/http/pagination';
import { CreditLimitExceeded } from '../credit/credit-limit-exceeded';
import { CreditService, ExposureVerdict } from '../credit/credit.service';
import { AllocatePayment } from './allocate-payment';
import { CustomerDirectory } from '../credit/customer-directory';
import {
  AllocateDto,
  allocationResponse,
  CreateInvoiceDto,
  InvoiceLineDto,
  invoiceResponse,
  IssueInvoiceDto,
  ListInvoicesQuery,
  UpdateInvoiceDto,
} from './dto/invoice.dto';
import { InvoiceTerms, resolveTerms, TermsInput } from './invoice-terms';
import {
  formatInvoiceNumber,
  invoiceAmounts,
  MAX_MINOR,
  parseQuantityMilli,
  type InvoiceAmounts,
} from './invoice-totals';
import { InvoiceRow, InvoicesRepository, NewLine } from './invoices.repository';
import './ledger.events';

const canOverride = (principal: Principal): boolean =>
  principal.roles.some((role) => role === 'manager' || role === 'admin');

/**
 * The invoice ledger's use cases: drafts (create, edit), issue (with the credit check), void, and
 * manual allocations. Totals are computed here from the lines, never taken from the caller.
 */
@Injectable()
export class InvoiceLedgerService {
  constructor(
    private readonly repository: InvoicesRepository,
    private readonly customers: CustomerDirectory,
    private readonly credit: CreditService,
    private readonly allocations: AllocatePayment,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(InvoiceLedgerService.name);
  }

  async create(principal: Principal, input: CreateInvoiceDto) {
    const started = performance.now();
    const terms = this.terms(input, undefined);
    const { lines, amounts } = this.priced(input.lines);
    const customer = await this.customers.billable(principal, input.customer_id);
    if (input.currency !== undefined && input.currency !== customer.currency) {
      throw new DomainException(
        'unprocessable',
        'currency-mismatch',
        `The customer is billed in ${customer.currency}`,
        [{ field: 'currency', message: `must be the customer's currency, ${customer.currency}` }],
      );
    }
    const now = this.clock.now();
    const { invoice, lineRows } = await this.repository.transaction(async (manager) => {
      const number = formatInvoiceNumber(
        BigInt(await this.repository.nextNumber(manager, principal.companyId)),
      );
      const row = await this.repository.insertDraft(manager, {
        companyId: principal.companyId,
        customerId: customer.id,
        invoiceNumber: number,
        currency: customer.currency,
        at: now,
        ...terms,
        ...amounts,
      });
      await this.repository.replaceLines(manager, principal.companyId, row.id, lines);
      return { invoice: row, lineRows: await this.repository.lines(row.id, manager) };
    });
    this.logger.info(
      {
        operation: 'invoice.create',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customer.id,
        invoice_number: invoice.invoice_number,
        duration_ms: Math.round(performance.now() - started),
      },
      'Invoice drafted',
    );
    return invoiceResponse(invoice, lineRows);
  }

  /** Drafts only: dates, terms and lines (which replace the old ones); totals are recomputed. */
  async update(principal: Principal, id: string, input: UpdateInvoiceDto) {
    const priced = input.lines ? this.priced(input.lines) : undefined;
    const now = this.clock.now();
    await this.repository.transaction(async (manager) => {
      const invoice = await this.lockOrNotFound(manager, principal, id);
      this.requireDraft(invoice, 'edited');
      const terms = this.terms(input, {
        issueDate: invoice.issue_date,
        dueDate: invoice.due_date,
        paymentTermsDays: invoice.payment_terms_days,
      });
      const amounts = priced?.amounts ?? {
        subtotalMinor: BigInt(invoice.subtotal_minor),
        taxMinor: BigInt(invoice.tax_minor),
        totalMinor: BigInt(invoice.total_minor),
      };
      await this.repository.updateDraft(manager, id, { ...terms, ...amounts }, now);
      if (priced) await this.repository.replaceLines(manager, principal.companyId, id, priced.lines);
    });
    return this.get(principal, id);
  }

  async get(principal: Principal, id: string) {
    const invoice = await this.repository.find(principal.companyId, id);
    if (!invoice) throw DomainException.notFound('Invoice');
    const [lines, allocations] = await Promise.all([
      this.repository.lines(id),
      this.repository.allocations(id),
    ]);
    return { ...invoiceResponse(invoice, lines), allocations: allocations.map(allocationResponse) };
  }

  async list(principal: Principal, query: ListInvoicesQuery) {
    const rows = await this.repository.list(
      principal.companyId,
      { customerId: query.customer_id, status: query.status, dueFrom: query.due_from, dueTo: query.due_to },
      query.limit,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      (row) => invoiceResponse(row),
    );
  }

  /**
   * draft → open. Under the customer's credit lock: when exposure + total would pass the limit the
   * issue is refused (422 with the figures) unless a manager or admin overrides with a reason; either
   * way the breach is recorded. A refused issue changes nothing but the breach record, which commits
   * on its own once the refused transaction has ended.
   */
  async issue(principal: Principal, id: string, input: IssueInvoiceDto) {
    const override = input.override === true;
    if (override && !canOverride(principal)) {
      throw new DomainException(
        'forbidden',
        'credit-override-forbidden',
        'Only a manager or an admin can override a credit limit',
      );
    }
    if (override && !input.override_reason) {
      throw new DomainException('invalid_input', 'validation-failed', 'An override needs a reason', [
        { field: 'override_reason', message: 'required with override' },
      ]);
    }
    const now = this.clock.now();
    const outcome = await this.repository.transaction(
      async (
        manager,
      ): Promise<
        { refused: ExposureVerdict & { breached: true }; invoice: InvoiceRow } | { issued: InvoiceRow }
      > => {
        const invoice = await this.lockOrNotFound(manager, principal, id);
        this.requireDraft(invoice, 'issued');
        const total = BigInt(invoice.total_minor);
        if (total <= 0n) {
          throw new DomainException(
            'unprocessable',
            'invoice-empty',
            'An invoice totalling zero cannot be issued',
          );
        }
        const verdict = await this.credit.checkExposure(manager, {
          companyId: principal.companyId,
          customerId: invoice.customer_id,
          currency: invoice.currency.trim(),
          amountMinor: total,
        });
        if (verdict.breached) {
          if (!override) return { refused: verdict, invoice };
          await this.credit.recordBreach(
            manager,
            {
              companyId: principal.companyId,
              customerId: invoice.customer_id,
              invoiceId: invoice.id,
              currency: verdict.currency,
              limitMinor: verdict.limitMinor,
              exposureMinor: verdict.exposureMinor,
              overageMinor: verdict.overageMinor,
              severity: verdict.severity,
              overrideUsed: true,
              overrideReason: input.override_reason!,
              refused: false,
              actorId: principal.userId,
            },
            invoice.invoice_number,
            total,
          );
        }
        const issued = await this.repository.markIssued(manager, id, now);
        await this.events.publish(manager, {
          type: 'InvoiceIssued',
          companyId: principal.companyId,
          userId: principal.userId,
          customerId: issued.customer_id,
          metadata: {
            invoice_id: issued.id,
            invoice_number: issued.invoice_number,
            currency: issued.currency.trim(),
            total_minor: Number(issued.total_minor),
            balance_minor: Number(issued.balance_minor),
            issue_date: issued.issue_date,
            due_date: issued.due_date,
            override_used: verdict.breached,
          },
        });
        return { issued };
      },
    );
    if ('refused' in outcome) {
      const { refused, invoice } = outcome;
      const breach = await this.credit.recordRefusal(
        {
          companyId: principal.companyId,
          customerId: invoice.customer_id,
          invoiceId: invoice.id,
          currency: refused.currency,
          limitMinor: refused.limitMinor,
          exposureMinor: refused.exposureMinor,
          overageMinor: refused.overageMinor,
          severity: refused.severity,
          actorId: principal.userId,
        },
        invoice.invoice_number,
        refused.amountMinor,
      );
      throw new CreditLimitExceeded({
        currency: refused.currency,
        limitMinor: refused.limitMinor,
        exposureMinor: refused.exposureMinor,
        invoiceTotalMinor: refused.amountMinor,
        overageMinor: refused.overageMinor,
        severity: refused.severity,
        breachId: breach.id,
      });
    }
    this.logger.info(
      {
        operation: 'invoice.issue',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: outcome.issued.customer_id,
        invoice_number: outcome.issued.invoice_number,
      },
      'Invoice issued',
    );
    return this.get(principal, id);
  }

  /** A draft, or an issued invoice nothing was allocated to; with allocations it is a 409. */
  async void(principal: Principal, id: string, reason: string) {
    const now = this.clock.now();
    await this.repository.transaction(async (manager) => {
      const invoice = await this.lockOrNotFound(manager, principal, id);
      if (invoice.status === 'void') {
        throw new DomainException('invalid_state', 'invoice-void', 'The invoice is already void');
      }
      if (BigInt(invoice.allocated_minor) > 0n) {
        throw new DomainException(
          'invalid_state',
          'invoice-has-allocations',
          'Money was allocated to this invoice: it cannot be voided',
        );
      }
      await this.repository.markVoided(manager, id, reason, now);
      await this.events.publish(manager, {
        type: 'InvoiceVoided',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: invoice.customer_id,
        metadata: {
          invoice_id: id,
          invoice_number: invoice.invoice_number,
          currency: invoice.currency.trim(),
          total_minor: Number(invoice.total_minor),
          previous_status: invoice.status,
          reason,
        },
      });
    });
    return this.get(principal, id);
  }

  /** Staff record money received against an invoice (source `manual`). */
  async allocate(principal: Principal, id: string, input: AllocateDto) {
    const result = await this.repository.transaction((manager) =>
      this.allocations.execute(manager, {
        companyId: principal.companyId,
        invoiceId: id,
        amountMinor: input.amount_minor,
        currency: input.currency,
        allocatedOn: input.allocated_on,
        source: 'manual',
        paymentId: null,
        note: input.note ?? null,
        actorId: principal.userId,
      }),
    );
    return {
      ...allocationResponse(result.allocation),
      invoice: invoiceResponse(result.invoice),
    };
  }

  private terms(input: TermsInput, current: InvoiceTerms | undefined): InvoiceTerms {
    const resolved = resolveTerms(input, current, this.clock.now().toISOString().slice(0, 10));
    if ('errors' in resolved) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'The invoice dates are inconsistent',
        resolved.errors,
      );
    }
    return resolved.terms;
  }

  /** Lines with their computed amounts; totals past what JSON carries exactly are refused. */
  private priced(input: InvoiceLineDto[]): { lines: NewLine[]; amounts: Omit<InvoiceAmounts, 'lines'> } {
    const parsed = input.map((line) => ({
      description: line.description,
      quantityMilli: parseQuantityMilli(line.quantity)!,
      unitPriceMinor: BigInt(line.unit_price_minor),
      taxRateBp: line.tax_rate_bp ?? 0,
    }));
    const { lines, ...amounts } = invoiceAmounts(parsed);
    if (amounts.totalMinor > MAX_MINOR) {
      throw new DomainException(
        'unprocessable',
        'invoice-total-too-large',
        'The invoice total is too large',
        [{ field: 'lines', message: `the total must not exceed ${MAX_MINOR} minor units` }],
      );
    }
    return { lines: parsed.map((line, index) => ({ ...line, ...lines[index] })), amounts };
  }

  private requireDraft(invoice: InvoiceRow, verb: string): void {
    if (invoice.status !== 'draft') {
      throw new DomainException(
        'invalid_state',
        'invoice-not-draft',
        `Only a draft can be ${verb}; this invoice is ${invoice.status}`,
      );
    }
  }

  private async lockOrNotFound(
    manager: EntityManager,
    principal: Principal,
    id: string,
  ): Promise<InvoiceRow> {
    const invoice = await this.repository.lock(manager, principal.companyId, id);
    if (!invoice) throw DomainException.notFound('Invoice');
    return invoice;
  }
}
