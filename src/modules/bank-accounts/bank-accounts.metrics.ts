import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';

export type SetupOperation = 'validation' | 'external_validation' | 'account_creation' | 'total';
export const SETUP_OUTCOMES = ['completed', 'validation_error', 'waiting_external', 'system_error'] as const;
export type SetupOutcome = (typeof SETUP_OUTCOMES)[number];

/**
 * `bank_account_setup_duration_seconds{operation}` (issue 9: validation, external_validation,
 * account_creation, total; seed 000's normal times are 50–500 ms, hence the buckets) and
 * `bank_account_setups_total{outcome}`, the result of each worker run. Every outcome starts at 0, so the
 * first system error after a start is an increase that rate()/increase() see, not a series appearing.
 */
@Injectable()
export class BankAccountsMetrics {
  private readonly duration: Histogram<'operation'>;
  private readonly setups: Counter<'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'bank_account_setup_duration_seconds',
      help: 'Bank-account setup stages (seed 000), by operation',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    });
    this.setups = new Counter({
      name: 'bank_account_setups_total',
      help: 'Bank-account setup worker runs, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of SETUP_OUTCOMES) this.setups.inc({ outcome }, 0);
  }

  observe(operation: SetupOperation, ms: number): void {
    this.duration.observe({ operation }, ms / 1000);
  }

  outcome(outcome: SetupOutcome): void {
    this.setups.inc({ outcome });
  }
}
