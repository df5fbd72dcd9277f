import type { Pool } from 'pg';

/** One request shape, sent by autocannon to the service or to the bare baseline. */
export interface Target {
  method: 'GET' | 'POST' | 'PATCH';
  /** A fixed path, or one drawn per request (e.g. a random customer id). */
  path: string | (() => string);
  headers?: Record<string, string>;
  body?: string;
}

/** What a scenario needs at run time: the seeded data's ids and a token for it. */
export interface BenchContext {
  companyId: string;
  token: string;
  pool: Pool;
  /** Live customers of the bench company, to spread reads over. */
  customerIds: string[];
}

/**
 * A bench scenario: the same database work through the whole service and through a bare Fastify + pg
 * route, so the ratio shows what the platform (auth, validation, logging, metrics, tracing) costs.
 */
export interface Scenario {
  name: string;
  /** The seed 002 p95 target in ms, where the seed gives one. */
  seedTargetP95Ms?: number;
  service(context: BenchContext): Target;
  baseline(context: BenchContext): Target;
}

/** Bare-baseline routes: registered on the plain Fastify server, each doing the scenario's SQL. */
export interface BaselineRoute {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  handler(
    pool: Pool,
    params: Record<string, string>,
    body: unknown,
    query: Record<string, string>,
  ): Promise<unknown>;
}
