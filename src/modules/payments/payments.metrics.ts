import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Histogram } from 'prom-client';
import type { DomainEvent } from '../../platform/events/domain-event';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import './payments.events';

export type GatewayOutcome =
  'success' | 'client_error' | 'server_error' | 'timeout' | 'connection_error' | 'circuit_open';

/**
 * Seed 003's payment metrics, Prometheus-style:
 * - `payment_outcomes_total{method,status,error_code}`: intents that ended (succeeded, failed,
 *   canceled), from committed events. The seed's PaymentFailures alarm is
 *   `sum(increase(payment_outcomes_total{status="failed"}[5m])) > 5`. `error_code` is bounded: the
 *   provider's few codes and our transport codes (`none` on success).
 * - `payment_gateway_request_duration_seconds{provider,operation,outcome}`: every gateway call attempt
 *   (seed 003's "M-Pesa response time"), `circuit_open` for calls refused without a request.
 * - `revenue_minor_total{currency,purpose}`: money taken by succeeded payments, in minor units.
 */
@Injectable()
export class PaymentsMetrics {
  private readonly outcomes: Counter<'method' | 'status' | 'error_code'>;
  private readonly revenue: Counter<'currency' | 'purpose'>;
  private readonly gateway: Histogram<'provider' | 'operation' | 'outcome'>;

  constructor(
    registry: MetricsRegistry,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PaymentsMetrics.name);
    this.outcomes = new Counter({
      name: 'payment_outcomes_total',
      help: 'Payment intents that ended, by method, final status and error code',
      labelNames: ['method', 'status', 'error_code'],
      registers: [registry],
    });
    this.revenue = new Counter({
      name: 'revenue_minor_total',
      help: 'Money taken by succeeded payments, in minor units of the currency, by purpose',
      labelNames: ['currency', 'purpose'],
      registers: [registry],
    });
    this.gateway = new Histogram({
      name: 'payment_gateway_request_duration_seconds',
      help: 'Payment gateway call attempts, by provider, operation and outcome',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  gatewayCall(provider: string, operation: string, outcome: GatewayOutcome, seconds: number): void {
    this.gateway.observe({ provider, operation, outcome }, seconds);
  }

  @OnEvent('PaymentSucceeded')
  onSucceeded(event: DomainEvent<'PaymentSucceeded'>): void {
    try {
      const m = event.metadata;
      this.outcomes.inc({ method: m.method, status: 'succeeded', error_code: 'none' });
      this.revenue.inc({ currency: m.currency, purpose: m.purpose_type }, m.amount_minor);
    } catch (error) {
      this.logger.warn({ operation: 'payments.metrics', err: error }, 'Could not count a payment');
    }
  }

  @OnEvent('PaymentFailed')
  onFailed(event: DomainEvent<'PaymentFailed'>): void {
    try {
      const m = event.metadata;
      this.outcomes.inc({ method: m.method, status: 'failed', error_code: m.error_code });
    } catch (error) {
      this.logger.warn({ operation: 'payments.metrics', err: error }, 'Could not count a payment');
    }
  }

  @OnEvent('PaymentCanceled')
  onCanceled(event: DomainEvent<'PaymentCanceled'>): void {
    try {
      this.outcomes.inc({ method: event.metadata.method, status: 'canceled', error_code: 'none' });
    } catch (error) {
      this.logger.warn({ operation: 'payments.metrics', err: error }, 'Could not count a payment');
    }
  }
}
