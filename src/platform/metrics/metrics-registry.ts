import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per application instance (tests boot several in one process). */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }
}
