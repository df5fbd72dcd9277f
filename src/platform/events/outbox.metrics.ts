import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { OutboxRepository } from './outbox.repository';

/** `outbox_lag_seconds`, `outbox_backlog_events`, `outbox_events_dispatched_total{type}`, relay failures. */
@Injectable()
export class OutboxMetrics {
  readonly dispatched: Counter<'type'>;
  readonly relayFailures: Counter;

  constructor(registry: MetricsRegistry, repository: OutboxRepository) {
    // Both gauges come from one query per scrape: the first collect starts it, the second shares it.
    let last = { count: 0, oldestAgeSeconds: 0 };
    let inFlight: Promise<void> | undefined;
    const refresh = (): Promise<void> => {
      inFlight ??= repository
        .backlog()
        .then((value) => {
          last = value;
        })
        .catch(() => undefined)
        .finally(() => setTimeout(() => (inFlight = undefined), 250).unref());
      return inFlight;
    };
    new Gauge({
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest domain event not yet handed to its subscribers',
      registers: [registry],
      async collect() {
        await refresh();
        this.set(last.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'outbox_backlog_events',
      help: 'Domain events committed but not yet dispatched',
      registers: [registry],
      async collect() {
        await refresh();
        this.set(last.count);
      },
    });
    this.dispatched = new Counter({
      name: 'outbox_events_dispatched_total',
      help: 'Domain events handed to their subscribers, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    this.relayFailures = new Counter({
      name: 'outbox_relay_failures_total',
      help: 'Relay batches that could not be dispatched (Redis or database away) and will be retried',
      registers: [registry],
    });
  }
}
