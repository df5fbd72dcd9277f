import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { JOURNEY_ERROR_TYPES, JOURNEY_FLOWS, type JourneyEventInput } from './journey.types';

/** Event names are code-defined; anything else (a typo, an injected value) is counted as `other`. */
const EVENT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * `customer_journey_events_total{flow,event_type,status}` and `customer_journey_errors_total{flow,error_type}`
 * (issue 9). Labels are bounded: flows, statuses and error classes are closed sets, event types are the
 * flows' own stage names. No company_id: per-tenant questions go to the journey API.
 *
 * Every flow × error class of the errors counter starts at 0: seed 000's "any system_error" alert is an
 * increase() over it, which would not see the first error of a series that did not exist before.
 */
@Injectable()
export class JourneysMetrics {
  private readonly events: Counter<'flow' | 'event_type' | 'status'>;
  private readonly errors: Counter<'flow' | 'error_type'>;

  constructor(registry: MetricsRegistry) {
    this.events = new Counter({
      name: 'customer_journey_events_total',
      help: 'Customer journey events recorded, by flow, stage (event type) and status',
      labelNames: ['flow', 'event_type', 'status'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'customer_journey_errors_total',
      help: 'Customer journey events with status error, by flow and error class (seed 000)',
      labelNames: ['flow', 'error_type'],
      registers: [registry],
    });
    for (const flow of JOURNEY_FLOWS) {
      for (const errorType of JOURNEY_ERROR_TYPES) this.errors.inc({ flow, error_type: errorType }, 0);
    }
  }

  recorded(event: Pick<JourneyEventInput, 'flow' | 'eventType' | 'status' | 'errorType'>): void {
    this.events.inc({
      flow: event.flow,
      event_type: EVENT_TYPE.test(event.eventType) ? event.eventType : 'other',
      status: event.status,
    });
    if (event.status === 'error') {
      this.errors.inc({ flow: event.flow, error_type: event.errorType ?? 'unclassified' });
    }
  }
}
