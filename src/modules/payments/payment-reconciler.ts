import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { GatewayCallError, PAYMENT_GATEWAY, PaymentGateway } from './gateway/payment-gateway';
import { ApplyOutcome, PaymentResults } from './payment-results';
import { PaymentsRepository } from './payments.repository';

/** How often the reconciliation runs (once per tick across replicas). */
export const RECONCILE_EVERY_MS = 30_000;
/** An intent with no result this long after its push is asked about (callbacks take seconds, or get lost). */
export const STUCK_AFTER_MS = 120_000;
/** Intents looked at per run: bounded work; the next tick takes the rest. */
const BATCH = 200;

/**
 * Reconciliation: callbacks do get lost. Every RECONCILE_EVERY_MS the worker asks the gateway about
 * intents still `processing` STUCK_AFTER_MS after their last change, and applies a completed result
 * through the same code path as a callback (PaymentResults.apply), under the intent's lock. A callback
 * that arrives afterwards finds the intent final and changes nothing.
 */
@Injectable()
export class PaymentReconciler {
  constructor(
    private readonly repository: PaymentsRepository,
    private readonly results: PaymentResults,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
  ) {
    logger.setContext(PaymentReconciler.name);
    scheduler.register({
      name: 'payments.reconcile',
      cadence: { every: RECONCILE_EVERY_MS },
      run: () => this.reconcile().then(() => undefined),
    });
  }

  async reconcile(stuckAfterMs = STUCK_AFTER_MS): Promise<Record<ApplyOutcome | 'pending', number>> {
    const counts: Record<ApplyOutcome | 'pending', number> = {
      succeeded: 0,
      failed: 0,
      retrying: 0,
      ignored: 0,
      pending: 0,
    };
    const started = performance.now();
    const stuck = await this.repository.stuckProcessing(
      new Date(this.clock.now().getTime() - stuckAfterMs),
      BATCH,
    );
    for (const intent of stuck) {
      if (intent.provider !== this.gateway.provider || !intent.gateway_reference) continue;
      const reference = intent.gateway_reference;
      let status;
      try {
        status = await this.gateway.status(reference);
      } catch (error) {
        if (!(error instanceof GatewayCallError)) throw error;
        this.logger.warn(
          { operation: 'payments.reconcile', payment_id: intent.id, failure: error.failure },
          'The gateway could not be asked; reconciliation stops until the next tick',
        );
        break;
      }
      if (status.state !== 'completed') {
        counts.pending += 1;
        if (status.state === 'unknown') {
          this.logger.warn(
            { operation: 'payments.reconcile', company_id: intent.company_id, payment_id: intent.id },
            'The gateway does not know this checkout',
          );
        }
        continue;
      }
      const outcome = await this.repository.transaction(async (manager) => {
        const locked = await this.repository.lock(manager, intent.company_id, intent.id);
        if (!locked || locked.gateway_reference !== reference) return 'ignored' as const;
        return this.results.apply(manager, locked, status, 'reconciliation');
      });
      counts[outcome] += 1;
    }
    if (stuck.length > 0) {
      this.logger.info(
        { operation: 'payments.reconcile', ...counts, duration_ms: Math.round(performance.now() - started) },
        'Payments reconciled with the gateway',
      );
    }
    return counts;
  }
}
