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
import { ANALYTICS_COMPANY_ID, ANALYTICS_FROM, ANALYTICS_TO } from '../analytics-seed';
import type { BaselineRoute, BenchContext, Scenario } from '../scenario';

const QUERY = `from=${ANALYTICS_FROM}&to=${ANALYTICS_TO}&group_by=department&interval=week`;

let token: string | undefined;

/**
 * Seeds the analytics company once (bench/analytics-seed.ts, in a child process: a scenario is set up
 * synchronously) and answers its token.
 */
function analyticsToken(context: BenchContext): string {
  token ??= (
    JSON.parse(
      execFileSync(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, '..', 'analytics-seed.ts')],
        {
          env: { ...process.env, DATABASE_URL: context.pool.options.connectionString },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
        .toString()
        .trim()
        .split('\n')
        .pop()!,
    ) as { token: string }
  ).token;
  return token;
}

/** Support analytics over 100,000 tickets and their history for 90 days, by department and week. */
export const analyticsScenarios: Scenario[] = [
  {
    name: 'GET /v1/support/analytics (90 days, 100k tickets, department × week)',
    service: (context) => ({
      method: 'GET',
      path: `/v1/support/analytics?${QUERY}`,
      headers: { authorization: `Bearer ${analyticsToken(context)}` },
    }),
    baseline: () => ({ method: 'GET', path: `/bare/${ANALYTICS_COMPANY_ID}/support/analytics?${QUERY}` }),
  },
];

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
