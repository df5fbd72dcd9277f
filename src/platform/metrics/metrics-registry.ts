import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * prom-client's default metrics that break Prometheus naming: gauges named like counters (`_total`).
 * Each is the sum of a by-type gauge that stays (`nodejs_active_handles{type}` …): `sum()` gives it.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** One registry per application instance (tests boot several in one process). */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
    for (const name of MISNAMED_DEFAULTS) this.removeSingleMetric(name);
  }
}
