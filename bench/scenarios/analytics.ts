import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveRange } from '../../src/modules/tickets/analytics/analytics-range';
import { buildReport } from '../../src/modules/tickets/analytics/analytics-report';
import type {
  BacklogRow,
  CohortRow,
  CsatRow,
} from '../../src/modules/tickets/analytics/support-analytics.repository';
import {
  backlogStatement,
  cohortStatement,
  csatStatement,
  STATEMENT_SETTINGS,
} from '../../src/modules/tickets/analytics/support-analytics.repository';
import { ANALYTICS_COMPANY_ID, ANALYTICS_FROM, ANALYTICS_TICKETS, ANALYTICS_TO } from '../analytics-seed';
import { companyForVolume } from '../figures';
import type { BaselineRoute, BenchContext, Scenario } from '../scenario';

const QUERY = `from=${ANALYTICS_FROM}&to=${ANALYTICS_TO}&group_by=department&interval=week`;

const tokens = new Map<string, string>();

/**
 * Seeds the analytics company for `tickets` once (bench/analytics-seed.ts, in a child process: a scenario
 * is set up synchronously) and answers its token.
 */
function analyticsToken(context: BenchContext, tickets: number, companyId: string): string {
  let token = tokens.get(companyId);
  if (!token) {
    token = (
      JSON.parse(
        execFileSync(
          process.execPath,
          ['-r', '@swc-node/register', join(__dirname, '..', 'analytics-seed.ts')],
          {
            env: {
              ...process.env,
              DATABASE_URL: context.pool.options.connectionString,
              BENCH_ANALYTICS_TICKETS: String(tickets),
              BENCH_ANALYTICS_COMPANY_ID: companyId,
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        )
          .toString()
          .trim()
          .split('\n')
          .pop()!,
      ) as { token: string }
    ).token;
    tokens.set(companyId, token);
  }
  return token;
}

export const ANALYTICS_SCENARIO_NAME = 'GET /v1/support/analytics (90 days, department × week)';

/** Support analytics over `tickets` tickets (100,000 by default) and their history for 90 days. */
export function analyticsScenario(tickets = ANALYTICS_TICKETS): Scenario {
  const companyId = companyForVolume(ANALYTICS_COMPANY_ID, tickets, ANALYTICS_TICKETS);
  return {
    name: ANALYTICS_SCENARIO_NAME,
    service: (context) => ({
      method: 'GET',
      path: `/v1/support/analytics?${QUERY}`,
      headers: { authorization: `Bearer ${analyticsToken(context, tickets, companyId)}` },
    }),
    baseline: () => ({ method: 'GET', path: `/bare/${companyId}/support/analytics?${QUERY}` }),
  };
}

export const analyticsScenarios: Scenario[] = [analyticsScenario()];

/** The same three statements (each in its transaction, JIT off) and the same shaping, without the platform. */
export const analyticsBaselineRoutes: BaselineRoute[] = [
  {
    method: 'GET',
    url: '/bare/:company/support/analytics',
    handler: async (pool, params, _body, query) => {
      const range = resolveRange(
        { from: query.from, to: query.to, interval: query.interval as 'week' },
        new Date(),
      );
      if (Array.isArray(range)) throw new Error('bad range');
      const groupBy = query.group_by as 'department';
      const run = async <T>({ text, values }: { text: string; values: unknown[] }): Promise<T[]> => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(STATEMENT_SETTINGS);
          const { rows } = await client.query(text, values);
          await client.query('COMMIT');
          return rows as T[];
        } finally {
          client.release();
        }
      };
      const [cohort, csat, backlog] = await Promise.all([
        run<CohortRow>(cohortStatement(params.company, range, groupBy)),
        run<CsatRow>(csatStatement(params.company, range, groupBy)),
        run<BacklogRow>(backlogStatement(params.company, range, groupBy)),
      ]);
      return buildReport(range, groupBy, cohort, csat, backlog);
    },
  },
];
