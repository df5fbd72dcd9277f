import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/** One answered request, as the HTTP layer timed it. `route` is the template (`/v1/customers/:id`). */
export interface HttpTiming {
  method: string;
  /** The route template, or undefined when no route matched (a 404 of an unknown path). */
  route: string | undefined;
  statusCode: number;
  seconds: number;
  /** The parsed query string (Fastify's), for listeners that tell operations of one route apart. */
  query: unknown;
}

export type HttpTimingListener = (timing: HttpTiming) => void;

/**
 * `http_request_duration_seconds{method, route, status_code}`; route is the template, never the raw URL.
 * Modules that need their own view of request timing (seed 002's customer_request_duration_seconds)
 * subscribe with `onTiming` instead of timing requests a second time; platform knows none of them.
 */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly listeners: HttpTimingListener[] = [];

  constructor(registry: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  /** Called after every answered request; a listener that throws is ignored (a metric never fails a request). */
  onTiming(listener: HttpTimingListener): void {
    this.listeners.push(listener);
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const timing: HttpTiming = {
        method: request.method,
        route: request.routeOptions.url,
        statusCode: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
        query: request.query,
      };
      this.duration.observe(
        { method: timing.method, route: timing.route ?? 'unmatched', status_code: String(timing.statusCode) },
        timing.seconds,
      );
      for (const listener of this.listeners) {
        try {
          listener(timing);
        } catch {
          // A lost observation is better than a failed response.
        }
      }
      done();
    });
  }
}
