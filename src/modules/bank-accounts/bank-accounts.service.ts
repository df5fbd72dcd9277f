import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, DEFAULT_LIMIT, PageQuery, toPage } from '../../platform/http/pagination';
import { CustomersService } from '../customers/customers.service';
import { JourneysService } from '../journeys/journeys.service';
import { AccountNumberCipher } from './account-number-cipher';
import { maskIban, maskTail, normaliseIban } from './bank-account-validation';
import { BankAccountRequestRow, BankAccountRow, BankAccountsRepository } from './bank-accounts.repository';
import { BankAccountsSettings } from './bank-accounts.settings';
import type { CreateBankAccountDto } from './dto/bank-account.dto';
import './bank-accounts.events';

export type { BankAccountRequestRow } from './bank-accounts.repository';

const iso = (at: Date | null): string | null => (at ? new Date(at).toISOString() : null);

/** seed 000's customer-facing texts, by error class (the journeys module serves the editable ones). */
const RESPONSE_TEMPLATES: Record<string, string> = {
  validation_error:
    'We found an issue with the bank account information you provided. Please verify your routing number and account number are correct and try again.',
  external_service_error:
    "We're experiencing temporary issues with our bank validation service. Your request has been queued and will be processed automatically once service is restored.",
  timeout_error:
    "We're experiencing temporary issues with our bank validation service. Your request has been queued and will be processed automatically once service is restored.",
  system_error:
    'We encountered a technical issue processing your bank account setup. Our technical team has been notified. Please try again in a few minutes.',
};

export const requestResponse = (row: BankAccountRequestRow) => ({
  id: row.id,
  customer_id: row.customer_id,
  trace_id: row.trace_id,
  status: row.status,
  account_type: row.account_type,
  routing_number: row.routing_number_masked,
  account_number_last4: row.account_last4,
  iban: row.iban_masked,
  error:
    row.error_type === null
      ? null
      : { type: row.error_type, message: RESPONSE_TEMPLATES[row.error_type] ?? null },
  attempts: row.attempts,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
  completed_at: iso(row.completed_at),
});

export const accountResponse = (row: BankAccountRow) => ({
  id: row.id,
  customer_id: row.customer_id,
  request_id: row.request_id,
  account_type: row.account_type,
  account_holder_name: row.account_holder_name,
  routing_number: row.routing_number_masked,
  account_number_last4: row.account_last4,
  iban: row.iban_masked,
  status: row.status,
  created_at: iso(row.created_at),
});

/**
 * Bank-account setup requests and the accounts they made (seed 000). A request only stores the
 * details (numbers sealed, masked copies for display) and publishes BankAccountSetupRequested in one
 * transaction; the `bank-accounts.setup` subscriber (BankAccountSetupProcessor) runs the stages.
 */
@Injectable()
export class BankAccountsService {
  constructor(
    private readonly repository: BankAccountsRepository,
    private readonly customers: CustomersService,
    private readonly cipher: AccountNumberCipher,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    private readonly journeys: JourneysService,
    private readonly settings: BankAccountsSettings,
  ) {
    logger.setContext(BankAccountsService.name);
  }

  /** 202: the queued request, to poll until `completed` or `failed`. */
  async request(principal: Principal, customerId: string, input: CreateBankAccountDto) {
    const started = performance.now();
    await this.customers.get(principal, customerId);
    const iban = input.iban === undefined ? undefined : normaliseIban(input.iban);
    if (iban !== undefined && (input.routing_number !== undefined || input.account_number !== undefined)) {
      throw new DomainException(
        'invalid_input',
        'bank-account-ambiguous',
        'Give either an iban, or a routing_number and an account_number, not both',
        [{ field: 'iban', message: 'not with routing_number or account_number' }],
      );
    }
    const accountNumber = (iban ?? input.account_number ?? '').trim();
    const routingNumber = iban === undefined ? (input.routing_number ?? '').trim() : null;
    const traceId = randomUUID();
    const now = this.clock.now();
    const row = await this.repository.transaction(async (manager) => {
      const inserted = await this.repository.insertRequest(manager, {
        companyId: principal.companyId,
        customerId,
        traceId,
        accountType: input.account_type,
        accountHolderName: input.account_holder_name.trim(),
        routingNumberMasked: routingNumber === null ? null : maskTail(routingNumber),
        accountLast4: accountNumber.length > 4 ? accountNumber.slice(-4) : null,
        ibanMasked: iban === undefined ? null : maskIban(iban),
        accountNumberEncrypted: this.cipher.encrypt(accountNumber),
        routingNumberEncrypted: routingNumber === null ? null : this.cipher.encrypt(routingNumber),
        requestedBy: principal.userId,
        at: now,
      });
      await this.events.publish(manager, {
        type: 'BankAccountSetupRequested',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId,
        metadata: { request_id: inserted.id, trace_id: traceId },
      });
      return inserted;
    });
    this.logger.info(
      {
        operation: 'bank_account.request',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customerId,
        request_id: row.id,
        trace_id: traceId,
        account_type: row.account_type,
        duration_ms: Math.round(performance.now() - started),
      },
      'Bank account setup requested',
    );
    return requestResponse(row);
  }

  async getRequest(principal: Principal, id: string) {
    const row = await this.repository.findRequest(principal.companyId, id);
    if (!row || (principal.customerId && principal.customerId !== row.customer_id)) {
      throw DomainException.notFound('Bank account request');
    }
    return requestResponse(row);
  }

  /**
   * Support re-runs a setup that failed for a reason a re-run can cure (system_error) or is stuck (open,
   * unchanged for longer than `stuckAfterMs`): one transaction puts the request back to `queued` (a
   * conditional UPDATE, so concurrent calls re-run it once), records the journey stage
   * `setup_retry_requested` and an audit entry, and publishes BankAccountSetupRequested again, which
   * the `bank-accounts.setup` subscriber runs exactly like the first time (same trace id, so the journey
   * continues). 409 when it completed, was refused (validation_error) or is within its normal time.
   */
  async retry(principal: Principal, id: string) {
    const now = this.clock.now();
    const stuckBefore = new Date(now.getTime() - this.settings.stuckAfterMs);
    const row = await this.repository.transaction(async (manager) => {
      const requeued = await this.repository.requeue(manager, principal.companyId, id, now, stuckBefore);
      if (!requeued) return undefined;
      const changes = {
        status: { before: requeued.previous_status, after: requeued.status },
        ...(requeued.previous_error_type ? { error_type: { before: requeued.previous_error_type } } : {}),
      };
      await this.journeys.record(
        {
          companyId: requeued.company_id,
          customerId: requeued.customer_id,
          flow: 'bank_account_setup',
          traceId: requeued.trace_id,
          eventType: 'setup_retry_requested',
          status: 'processing',
          terminal: false,
          fields: {
            request_id: requeued.id,
            previous_status: requeued.previous_status,
            previous_error_type: requeued.previous_error_type,
            requested_by: principal.userId,
          },
          occurredAt: now,
        },
        manager,
      );
      await this.customers.appendAudit(manager, principal, {
        customerId: requeued.customer_id,
        entityType: 'bank_account_request',
        entityId: requeued.id,
        action: 'bank_setup_rerun',
        changes,
      });
      await this.events.publish(manager, {
        type: 'BankAccountSetupRequested',
        companyId: requeued.company_id,
        userId: principal.userId,
        customerId: requeued.customer_id,
        metadata: { request_id: requeued.id, trace_id: requeued.trace_id },
      });
      return requeued;
    });
    if (!row) throw await this.notRetryable(principal, id, now);
    this.logger.info(
      {
        operation: 'bank_account.retry',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: row.customer_id,
        request_id: row.id,
        trace_id: row.trace_id,
        previous_status: row.previous_status,
        previous_error_type: row.previous_error_type,
      },
      'Bank account setup queued again',
    );
    return requestResponse(row);
  }

  /** Why a request cannot be re-run: 404 when it is not the caller's company's, else a 409 saying why. */
  private async notRetryable(principal: Principal, id: string, now: Date): Promise<DomainException> {
    const row = await this.repository.findRequest(principal.companyId, id);
    if (!row) return DomainException.notFound('Bank account request');
    if (row.status === 'completed') {
      return new DomainException(
        'invalid_state',
        'bank-account-request-completed',
        'This bank account setup completed; there is nothing to re-run',
      );
    }
    if (row.status === 'failed') {
      return new DomainException(
        'invalid_state',
        'bank-account-request-refused',
        'The bank account details were refused (validation_error): a re-run would fail the same way. ' +
          'Ask the customer to correct them and request a new setup',
      );
    }
    const idleMs = Math.max(0, now.getTime() - new Date(row.updated_at).getTime());
    return new DomainException(
      'invalid_state',
      'bank-account-request-in-progress',
      `This setup is ${row.status} and moved ${idleMs} ms ago, within its normal time ` +
        `(${this.settings.stuckAfterMs} ms): re-run it only once it is stuck`,
    );
  }

  /** A customer's newest `limit` setup requests, newest first (masked; the support console). */
  recentRequests(companyId: string, customerId: string, limit: number): Promise<BankAccountRequestRow[]> {
    return this.repository.recentRequests(companyId, customerId, limit);
  }

  /** A customer's accounts (masked), newest first. */
  async list(principal: Principal, customerId: string, query: PageQuery) {
    await this.customers.get(principal, customerId);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listAccounts(principal.companyId, customerId, limit, after);
    return toPage(
      rows,
      limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      accountResponse,
    );
  }
}
