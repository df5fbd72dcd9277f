import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { EventBus } from '../../../platform/events/event-bus';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../../platform/http/pagination';
import { CustomerDirectory } from './customer-directory';
import { MAX_MINOR } from '../ledger/invoice-totals';
import { breachSeverity, BreachSeverity, utilisationBp, utilisationBucket } from './credit-rules';
import { AdjustmentRow, BreachRow, CreditRepository, NewBreach } from './credit.repository';
import {
  adjustmentResponse,
  breachResponse,
  ListAdjustmentsQuery,
  ListBreachesQuery,
  RequestAdjustmentDto,
} from './dto/credit.dto';
import './credit.events';

/** What an exposure check found under the customer's lock: nothing to report, or a breach. */
export type ExposureVerdict =
  | { breached: false }
  | {
      breached: true;
      currency: string;
      limitMinor: bigint;
      exposureMinor: bigint;
      amountMinor: bigint;
      overageMinor: bigint;
      severity: BreachSeverity;
    };

const pendingOnly = (adjustment: AdjustmentRow): void => {
  if (adjustment.status !== 'pending') {
    throw new DomainException(
      'conflict',
      'credit-adjustment-decided',
      `This adjustment was already ${adjustment.status}; a decision is final`,
    );
  }
};

/**
 * Credit control: limits (changed only through approved adjustment requests), exposure, breaches and
 * utilisation. A customer without a limit (no row, or a row with a NULL limit) has no limit: its
 * invoices are never refused for credit.
 */
@Injectable()
export class CreditService {
  constructor(
    private readonly repository: CreditRepository,
    private readonly customers: CustomerDirectory,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CreditService.name);
  }

  /** The customer's limit, exposure, what is left and how much of the limit is used. */
  async credit(principal: Principal, customerId: string) {
    const customer = await this.customers.billable(principal, customerId);
    const row = await this.repository.limitOf(principal.companyId, customer.id);
    const limit = row?.limit_minor === null || row === undefined ? null : BigInt(row.limit_minor);
    const currency = limit === null ? customer.currency : row!.currency;
    const exposure = await this.repository.exposure(principal.companyId, customer.id, currency);
    const bp = limit === null ? null : utilisationBp(exposure, limit);
    return {
      customer_id: customer.id,
      currency,
      limit_minor: limit === null ? null : Number(limit),
      exposure_minor: Number(exposure),
      available_minor: limit === null ? null : Number(limit > exposure ? limit - exposure : 0n),
      utilisation_bp: bp === null ? null : Number(bp),
      utilisation_percent: bp === null ? null : Number(bp) / 100,
      utilisation_bucket: limit === null ? null : utilisationBucket(exposure, limit),
      limit_updated_at: limit === null ? null : new Date(row!.updated_at).toISOString(),
    };
  }

  /**
   * Locks the customer's credit row (creating it when missing, so concurrent checks for one customer
   * queue) and says whether `amountMinor` more in `currency` would breach the limit. Must run in the
   * transaction that then issues the invoice: exposure cannot change before it commits.
   */
  async checkExposure(
    manager: EntityManager,
    input: { companyId: string; customerId: string; currency: string; amountMinor: bigint },
  ): Promise<ExposureVerdict> {
    const row = await this.repository.lockLimit(
      manager,
      input.companyId,
      input.customerId,
      input.currency,
      this.clock.now(),
    );
    if (row.limit_minor === null) return { breached: false };
    if (row.currency.trim() !== input.currency) {
      throw new DomainException(
        'conflict',
        'credit-limit-currency-mismatch',
        `The customer's credit limit is in ${row.currency}, the invoice in ${input.currency}; request a new limit first`,
      );
    }
    const limitMinor = BigInt(row.limit_minor);
    const exposureMinor = await this.repository.exposure(
      input.companyId,
      input.customerId,
      input.currency,
      manager,
    );
    const overageMinor = exposureMinor + input.amountMinor - limitMinor;
    if (overageMinor <= 0n) return { breached: false };
    return {
      breached: true,
      currency: input.currency,
      limitMinor,
      exposureMinor,
      amountMinor: input.amountMinor,
      overageMinor,
      severity: breachSeverity(overageMinor, limitMinor, {
        mediumFromPercent: this.config.CREDIT_BREACH_MEDIUM_PERCENT,
        highFromPercent: this.config.CREDIT_BREACH_HIGH_PERCENT,
      }),
    };
  }

  /**
   * Records a breach and publishes CreditLimitBreached in the caller's transaction (an overridden issue
   * commits it with the invoice). For a refused issue, call it in a transaction of its own after the
   * refused one rolled back (`recordRefusal`).
   */
  async recordBreach(
    manager: EntityManager,
    breach: Omit<NewBreach, 'at'>,
    invoiceNumber: string,
    invoiceTotalMinor: bigint,
  ): Promise<BreachRow> {
    const row = await this.repository.insertBreach(manager, { ...breach, at: this.clock.now() });
    await this.events.publish(manager, {
      type: 'CreditLimitBreached',
      companyId: breach.companyId,
      userId: breach.actorId,
      customerId: breach.customerId,
      metadata: {
        breach_id: row.id,
        invoice_id: breach.invoiceId,
        invoice_number: invoiceNumber,
        currency: breach.currency,
        limit_minor: Number(breach.limitMinor),
        exposure_minor: Number(breach.exposureMinor),
        invoice_total_minor: Number(invoiceTotalMinor),
        overage_minor: Number(breach.overageMinor),
        severity: breach.severity,
        override_used: breach.overrideUsed,
        refused: breach.refused,
      },
    });
    this.logger.warn(
      {
        operation: breach.refused ? 'credit.breach_refused' : 'credit.breach_overridden',
        company_id: breach.companyId,
        user_id: breach.actorId,
        customer_id: breach.customerId,
        invoice_id: breach.invoiceId,
        severity: breach.severity,
        overage_minor: Number(breach.overageMinor),
      },
      breach.refused
        ? 'Invoice refused: it would exceed the credit limit'
        : 'Invoice issued over the credit limit on override',
    );
    return row;
  }

  /** A refused issue's breach, committed on its own (the refused transaction wrote nothing). */
  recordRefusal(
    breach: Omit<NewBreach, 'at' | 'overrideUsed' | 'overrideReason' | 'refused'>,
    invoiceNumber: string,
    invoiceTotalMinor: bigint,
  ): Promise<BreachRow> {
    return this.repository.transaction((manager) =>
      this.recordBreach(
        manager,
        { ...breach, overrideUsed: false, overrideReason: null, refused: true },
        invoiceNumber,
        invoiceTotalMinor,
      ),
    );
  }

  async requestAdjustment(principal: Principal, customerId: string, input: RequestAdjustmentDto) {
    const customer = await this.customers.billable(principal, customerId);
    const adjustment = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insertAdjustment(manager, {
        companyId: principal.companyId,
        customerId: customer.id,
        type: input.adjustment_type,
        amountMinor: BigInt(input.amount_minor),
        currency: customer.currency,
        reason: input.reason,
        requestedBy: principal.userId,
        at: this.clock.now(),
      });
      await this.events.publish(manager, {
        type: 'CreditLimitAdjustmentRequested',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: customer.id,
        metadata: {
          adjustment_id: row.id,
          adjustment_type: row.adjustment_type,
          amount_minor: input.amount_minor,
          currency: customer.currency,
          reason: input.reason,
        },
      });
      return row;
    });
    this.logger.info(
      {
        operation: 'credit.adjustment_requested',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customer.id,
        adjustment_type: input.adjustment_type,
      },
      'Credit limit adjustment requested',
    );
    return adjustmentResponse(adjustment);
  }

  /** A manager or admin approves: the limit changes by the amount (from zero when none was set). */
  async approve(principal: Principal, id: string, reason: string | undefined) {
    const now = this.clock.now();
    const decided = await this.repository.transaction(async (manager) => {
      const adjustment = await this.lockAdjustment(manager, principal, id);
      pendingOnly(adjustment);
      const currency = adjustment.currency.trim();
      const row = await this.repository.lockLimit(
        manager,
        principal.companyId,
        adjustment.customer_id,
        currency,
        now,
      );
      const before = row.limit_minor === null ? null : BigInt(row.limit_minor);
      if (before !== null && row.currency.trim() !== currency) {
        throw new DomainException(
          'conflict',
          'credit-limit-currency-mismatch',
          `The current limit is in ${row.currency}, this adjustment in ${currency}`,
        );
      }
      const amount = BigInt(adjustment.amount_minor);
      const after = this.adjusted(before, adjustment.adjustment_type, amount);
      await this.repository.setLimit(
        manager,
        principal.companyId,
        adjustment.customer_id,
        currency,
        after,
        now,
      );
      const result = await this.repository.decideAdjustment(manager, id, {
        status: 'approved',
        decidedBy: principal.userId,
        reason: reason ?? null,
        limitBeforeMinor: before,
        limitAfterMinor: after,
        at: now,
      });
      await this.events.publish(manager, {
        type: 'CreditLimitAdjusted',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: adjustment.customer_id,
        metadata: {
          adjustment_id: id,
          adjustment_type: adjustment.adjustment_type,
          amount_minor: Number(amount),
          currency,
          limit_before_minor: before === null ? null : Number(before),
          limit_after_minor: Number(after),
          decided_by: principal.userId,
        },
      });
      return result;
    });
    this.logger.info(
      {
        operation: 'credit.adjustment_approved',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: decided.customer_id,
        limit_after_minor: Number(decided.limit_after_minor),
      },
      'Credit limit adjusted',
    );
    return adjustmentResponse(decided);
  }

  async reject(principal: Principal, id: string, reason: string) {
    const decided = await this.repository.transaction(async (manager) => {
      const adjustment = await this.lockAdjustment(manager, principal, id);
      pendingOnly(adjustment);
      const result = await this.repository.decideAdjustment(manager, id, {
        status: 'rejected',
        decidedBy: principal.userId,
        reason,
        limitBeforeMinor: null,
        limitAfterMinor: null,
        at: this.clock.now(),
      });
      await this.events.publish(manager, {
        type: 'CreditLimitAdjustmentRejected',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: adjustment.customer_id,
        metadata: {
          adjustment_id: id,
          adjustment_type: adjustment.adjustment_type,
          amount_minor: Number(adjustment.amount_minor),
          currency: adjustment.currency.trim(),
          reason,
          decided_by: principal.userId,
        },
      });
      return result;
    });
    return adjustmentResponse(decided);
  }

  async adjustment(principal: Principal, id: string) {
    const row = await this.repository.findAdjustment(principal.companyId, id);
    if (!row) throw DomainException.notFound('Credit limit adjustment');
    return adjustmentResponse(row);
  }

  async adjustments(principal: Principal, query: ListAdjustmentsQuery, customerId?: string) {
    if (customerId) await this.customers.billable(principal, customerId);
    const rows = await this.repository.listAdjustments(
      principal.companyId,
      { customerId: customerId ?? query.customer_id, status: query.status },
      query.limit,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.requested_at).toISOString(), id: row.id }),
      adjustmentResponse,
    );
  }

  async breaches(principal: Principal, query: ListBreachesQuery) {
    const rows = await this.repository.listBreaches(
      principal.companyId,
      { customerId: query.customer_id, severity: query.severity },
      query.limit,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.occurred_at).toISOString(), id: row.id }),
      breachResponse,
    );
  }

  /** The company's customers with a limit, by utilisation bucket, as of now (one set-based query). */
  async utilisation(principal: Principal) {
    const buckets = await this.repository.utilisation(principal.companyId);
    return {
      as_of: this.clock.now().toISOString(),
      customers: buckets.reduce((sum, bucket) => sum + bucket.customers, 0),
      buckets,
    };
  }

  private adjusted(before: bigint | null, type: 'increase' | 'decrease', amount: bigint): bigint {
    if (type === 'increase') {
      const after = (before ?? 0n) + amount;
      if (after > MAX_MINOR) {
        throw new DomainException(
          'unprocessable',
          'credit-limit-too-large',
          'The new limit would be too large',
        );
      }
      return after;
    }
    if (before === null) {
      throw new DomainException(
        'unprocessable',
        'credit-limit-not-set',
        'The customer has no credit limit to decrease; request an increase to set one',
      );
    }
    if (amount > before) {
      throw new DomainException(
        'unprocessable',
        'credit-limit-below-zero',
        `The decrease (${amount}) is larger than the current limit (${before})`,
      );
    }
    return before - amount;
  }

  private async lockAdjustment(manager: EntityManager, principal: Principal, id: string) {
    const adjustment = await this.repository.lockAdjustment(manager, principal.companyId, id);
    if (!adjustment) throw DomainException.notFound('Credit limit adjustment');
    return adjustment;
  }
}
