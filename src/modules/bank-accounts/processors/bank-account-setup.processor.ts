import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import type { DomainEvent } from '../../../platform/events/domain-event';
import { EventBus } from '../../../platform/events/event-bus';
import type { DeliveryAttempt } from '../../../platform/events/subscriber-registry';
import { OnDomainEvent, subscriberJobId } from '../../../platform/events/subscriptions';
import { QUEUES } from '../../../platform/queue/queue-names';
import { QueueRegistry } from '../../../platform/queue/queue-registry';
import { JourneyEventInput, JourneysService } from '../../journeys/journeys.service';
import { AccountNumberCipher } from '../account-number-cipher';
import { maskIban, maskTail, validateBankDetails } from '../bank-account-validation';
import { BankAccountsMetrics } from '../bank-accounts.metrics';
import { BankAccountsRepository, ClaimedRequestRow, SetupErrorType } from '../bank-accounts.repository';
import { BankAccountsSettings } from '../bank-accounts.settings';
import { BankValidationAdapter, BankValidationError } from '../bank-validation.adapter';
import '../bank-accounts.events';

export const SETUP_SUBSCRIBER = 'bank-accounts.setup';

type Stage =
  'message_received' | 'validation_completed' | 'external_validation_completed' | 'account_created';

/** The worker-side details of one run: the sealed numbers opened in memory only. */
interface OpenedDetails {
  routingNumber: string | null;
  accountNumber: string;
  isIban: boolean;
}

/**
 * The durable `bank-accounts.setup` subscriber (queue `bank-accounts`): seed 000's stages for one request,
 * each recorded as a journey event (flow `bank_account_setup`, the request's trace id).
 *
 * - Validation failures and a refusal by the validation service are final (`validation_error`).
 * - The validation service down, refusing connections or too slow (`external_service_error`,
 *   `timeout_error`): the request is `waiting_external` and this subscriber re-delivers it to itself as
 *   a delayed job (deterministic id `<event>__bank-accounts.setup__r<n>`), the delay doubling from
 *   `retryBaseDelayMs` up to `retryMaxDelayMs`, with no last attempt: it completes once the service is
 *   back, as seed 000 promises. BullMQ's own attempts (8, exponential) are left for system errors.
 * - Anything else is a `system_error`: rethrown for BullMQ's retries; the request fails on the last one.
 *
 * Idempotent: a run claims the request only while it is open; the account (unique per request), the
 * completion and its events are written in one transaction under the request's row lock, so a re-run
 * after a crash creates no second account and publishes no second BankAccountCreated.
 */
@Injectable()
export class BankAccountSetupProcessor {
  constructor(
    private readonly repository: BankAccountsRepository,
    private readonly journeys: JourneysService,
    private readonly validation: BankValidationAdapter,
    private readonly cipher: AccountNumberCipher,
    private readonly events: EventBus,
    private readonly queues: QueueRegistry,
    private readonly settings: BankAccountsSettings,
    private readonly metrics: BankAccountsMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(BankAccountSetupProcessor.name);
  }

  @OnDomainEvent('BankAccountSetupRequested', { name: SETUP_SUBSCRIBER, queue: QUEUES.bankAccounts })
  async onRequested(
    event: DomainEvent<'BankAccountSetupRequested'>,
    attempt?: DeliveryAttempt,
  ): Promise<void> {
    const started = performance.now();
    const request = await this.repository.claim(
      event.company_id,
      event.metadata.request_id,
      this.clock.now(),
    );
    if (!request) return; // completed or failed already: a replayed job
    const retry = event.metadata.retry ?? 0;
    const jobId = retry
      ? retryJobId(event.event_id, retry)
      : subscriberJobId(event.event_id, SETUP_SUBSCRIBER);
    const journey = (
      input: Omit<JourneyEventInput, 'companyId' | 'customerId' | 'flow' | 'traceId'>,
      manager?: EntityManager,
    ) =>
      this.journeys.record(
        {
          companyId: request.company_id,
          customerId: request.customer_id,
          flow: 'bank_account_setup',
          traceId: request.trace_id,
          ...input,
          fields: { request_id: request.id, ...input.fields },
        },
        manager,
      );
    const log = {
      operation: 'bank_account.setup',
      company_id: request.company_id,
      customer_id: request.customer_id,
      request_id: request.id,
      trace_id: request.trace_id,
      attempt: request.attempts,
    };
    let stage: Stage = 'message_received';
    try {
      await journey({
        eventType: 'message_received',
        status: 'processing',
        fields: {
          source: 'api',
          queue_name: QUEUES.bankAccounts,
          message_size: Buffer.byteLength(JSON.stringify(event)),
          job_id: jobId,
          attempt: request.attempts,
        },
      });

      // Stage 2–3: our own checks.
      stage = 'validation_completed';
      const details = this.open(request);
      const validationType = details.isIban ? 'iban' : 'aba';
      await journey({
        eventType: 'validation_started',
        status: 'processing',
        fields: { validation_type: validationType },
      });
      const validationStarted = performance.now();
      const result = validateBankDetails({
        accountHolderName: request.account_holder_name,
        routingNumber: details.routingNumber,
        accountNumber: details.isIban ? null : details.accountNumber,
        iban: details.isIban ? details.accountNumber : null,
      });
      const validationMs = elapsed(validationStarted);
      this.metrics.observe('validation', validationMs);
      if (!result.valid) {
        await this.finish(request, 'validation_error', 'The bank account details are not valid', (manager) =>
          journey(
            {
              eventType: 'validation_failed',
              status: 'error',
              errorType: 'validation_error',
              durationMs: validationMs,
              operation: 'validation',
              fields: {
                validation_type: validationType,
                validation_checks_passed: result.checksPassed,
                failed_checks: result.failedChecks,
                missing_fields: result.missingFields,
              },
            },
            manager,
          ),
        );
        this.metrics.outcome('validation_error');
        this.logger.warn(
          {
            ...log,
            failed_checks: result.failedChecks.map((f) => f.check),
            missing_fields: result.missingFields,
          },
          'Bank account details failed validation',
        );
        return;
      }
      await journey({
        eventType: 'validation_completed',
        status: 'success',
        durationMs: validationMs,
        operation: 'validation',
        fields: { validation_type: validationType, validation_checks_passed: result.checksPassed },
      });

      // Stage 4–5: the external validation service.
      stage = 'external_validation_completed';
      await journey({
        eventType: 'bank_setup_started',
        status: 'processing',
        fields: {
          account_type: request.account_type,
          ...(details.isIban
            ? { iban: maskIban(details.accountNumber) }
            : {
                routing_number: maskTail(details.routingNumber!),
                account_number: maskTail(details.accountNumber),
              }),
        },
      });
      const externalStarted = performance.now();
      if (details.isIban) {
        // The validation service knows US routing numbers only; an IBAN rests on its mod-97 check.
        await journey({
          eventType: 'external_validation_completed',
          status: 'success',
          durationMs: 0,
          operation: 'external_validation',
          fields: { service: 'none', duration_ms: 0, validation_score: null, skipped: 'iban' },
        });
      } else {
        let answer: { validationScore: number; valid: boolean };
        try {
          answer = await this.validation.validate({
            routingNumber: details.routingNumber!,
            accountNumberLast4: details.accountNumber.slice(-4),
            accountType: request.account_type,
          });
        } catch (error) {
          if (!(error instanceof BankValidationError)) throw error;
          const ms = elapsed(externalStarted);
          this.metrics.observe('external_validation', ms);
          await journey({
            eventType: 'external_validation_completed',
            status: 'error',
            errorType: error.errorType,
            durationMs: ms,
            operation: 'external_validation',
            fields: {
              service: this.validation.service,
              duration_ms: ms,
              validation_score: null,
              error_message: error.message,
              ...(error.status ? { http_status: error.status } : {}),
            },
          });
          if (!error.retriable) throw error;
          await this.waitForService(event, request, error.errorType, error.message, log);
          return;
        }
        const ms = elapsed(externalStarted);
        this.metrics.observe('external_validation', ms);
        const accepted = answer.valid && answer.validationScore >= this.settings.minValidationScore;
        const externalEvent: Omit<JourneyEventInput, 'companyId' | 'customerId' | 'flow' | 'traceId'> = {
          eventType: 'external_validation_completed',
          status: accepted ? 'success' : 'error',
          errorType: accepted ? null : 'validation_error',
          durationMs: ms,
          operation: 'external_validation',
          fields: {
            service: this.validation.service,
            duration_ms: ms,
            validation_score: answer.validationScore,
          },
        };
        if (!accepted) {
          await this.finish(
            request,
            'validation_error',
            'The bank validation service refused the account',
            (manager) => journey(externalEvent, manager),
          );
          this.metrics.outcome('validation_error');
          this.logger.warn(
            { ...log, validation_score: answer.validationScore },
            'Bank account refused by the validation service',
          );
          return;
        }
        await journey(externalEvent);
      }

      // Stage 6–7: the account, the completion and their events, at most once.
      stage = 'account_created';
      const creationStarted = performance.now();
      const created = await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, request.id);
        if (locked?.status !== 'processing') return undefined;
        const now = this.clock.now();
        const account = await this.repository.createAccount(manager, request, now);
        await this.repository.complete(manager, request.id, now);
        await this.events.publish(manager, {
          type: 'BankAccountCreated',
          companyId: request.company_id,
          userId: request.requested_by,
          customerId: request.customer_id,
          metadata: {
            request_id: request.id,
            bank_account_id: account.id,
            trace_id: request.trace_id,
            account_type: account.account_type,
          },
        });
        const creationMs = elapsed(creationStarted);
        await journey(
          {
            eventType: 'account_created',
            status: 'success',
            durationMs: creationMs,
            operation: 'account_creation',
            fields: { account_id: account.id, account_type: account.account_type, status: account.status },
          },
          manager,
        );
        const totalMs = elapsed(started);
        await journey(
          {
            eventType: 'bank_account_setup_completed',
            status: 'success',
            durationMs: totalMs,
            operation: 'total',
            fields: {
              account_id: account.id,
              processing_duration_ms: totalMs,
              validation_checks_passed: result.checksPassed,
              since_request_ms: Math.max(0, now.getTime() - new Date(request.created_at).getTime()),
            },
          },
          manager,
        );
        return { account, creationMs, totalMs };
      });
      if (!created) return;
      this.metrics.observe('account_creation', created.creationMs);
      this.metrics.observe('total', created.totalMs);
      this.metrics.outcome('completed');
      this.logger.info(
        { ...log, bank_account_id: created.account.id, duration_ms: Math.round(created.totalMs) },
        'Bank account set up',
      );
    } catch (error) {
      await this.systemError(request, stage, error, attempt, log);
      throw error;
    }
  }

  /** The numbers, opened from their sealed columns for this run only. */
  private open(request: ClaimedRequestRow): OpenedDetails {
    const accountNumber = this.cipher.decrypt(request.account_number_encrypted);
    if (request.routing_number_encrypted === null)
      return { routingNumber: null, accountNumber, isIban: true };
    return {
      routingNumber: this.cipher.decrypt(request.routing_number_encrypted),
      accountNumber,
      isIban: false,
    };
  }

  /** Final failure: status, the journey's error event and BankAccountSetupFailed, once, in one transaction. */
  private async finish(
    request: ClaimedRequestRow,
    errorType: 'validation_error' | 'system_error',
    message: string,
    record: (manager: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    return this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, request.id);
      if (!locked || locked.status === 'completed' || locked.status === 'failed') return false;
      await this.repository.fail(manager, request.id, errorType, message, this.clock.now());
      await record(manager);
      await this.events.publish(manager, {
        type: 'BankAccountSetupFailed',
        companyId: request.company_id,
        userId: request.requested_by,
        customerId: request.customer_id,
        metadata: { request_id: request.id, trace_id: request.trace_id, error_type: errorType },
      });
      return true;
    });
  }

  /** The service is unavailable: the request waits, and comes back to this subscriber after a delay. */
  private async waitForService(
    event: DomainEvent<'BankAccountSetupRequested'>,
    request: ClaimedRequestRow,
    errorType: SetupErrorType,
    message: string,
    log: Record<string, unknown>,
  ): Promise<void> {
    await this.repository.markWaiting(request.id, errorType, message, this.clock.now());
    const retry = (event.metadata.retry ?? 0) + 1;
    const delay = this.settings.retryDelayMs(retry);
    const data: DomainEvent<'BankAccountSetupRequested'> = {
      ...event,
      metadata: { ...event.metadata, retry },
    };
    await this.queues
      .queue(QUEUES.bankAccounts)
      .add(SETUP_SUBSCRIBER, data, { jobId: retryJobId(event.event_id, retry), delay });
    this.metrics.outcome('waiting_external');
    this.logger.warn(
      { ...log, error_type: errorType, error_message: message, retry, retry_in_ms: delay },
      'Bank validation service unavailable; the request waits and is tried again',
    );
  }

  /** An unexpected failure: recorded on the stage it hit; the request fails on BullMQ's last attempt. */
  private async systemError(
    request: ClaimedRequestRow,
    stage: Stage,
    error: unknown,
    attempt: DeliveryAttempt | undefined,
    log: Record<string, unknown>,
  ): Promise<void> {
    const final = attempt !== undefined && attempt.attempt >= attempt.maxAttempts;
    const message = error instanceof Error ? error.message : String(error);
    const event = {
      eventType: stage,
      status: 'error' as const,
      errorType: 'system_error' as const,
      fields: { request_id: request.id, error_message: message, attempt: request.attempts, final },
    };
    const base = {
      companyId: request.company_id,
      customerId: request.customer_id,
      flow: 'bank_account_setup' as const,
      traceId: request.trace_id,
    };
    try {
      if (final) {
        await this.finish(request, 'system_error', message, (manager) =>
          this.journeys.record({ ...base, ...event }, manager),
        );
      } else {
        await this.journeys.record({ ...base, ...event });
      }
    } catch (recordError) {
      this.logger.error({ ...log, err: recordError }, 'Could not record the bank account setup system error');
    }
    this.metrics.outcome('system_error');
    this.logger.error(
      { ...log, stage, final, err: error },
      final ? 'Bank account setup failed' : 'Bank account setup failed; it will be retried',
    );
  }
}

const elapsed = (since: number): number => Math.round((performance.now() - since) * 10) / 10;

const retryJobId = (eventId: string, retry: number): string =>
  `${subscriberJobId(eventId, SETUP_SUBSCRIBER)}__r${retry}`;
