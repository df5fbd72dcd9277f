import type { BaselineRoute, Scenario } from '../scenario';

/** GET /v1/me: token check, tenant, one-row company read, logging, metrics, tracing. */
export const meScenario: Scenario = {
  name: 'GET /v1/me',
  service: ({ token }) => ({ method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${token}` } }),
  baseline: ({ companyId }) => ({ method: 'GET', path: `/bare/companies/${companyId}` }),
};

export const meBaselineRoutes: BaselineRoute[] = [
  {
    method: 'GET',
    url: '/bare/companies/:id',
    handler: async (pool, params) => {
      const { rows } = await pool.query(
        'SELECT id, name, created_at, updated_at FROM companies WHERE id = $1',
        [params.id],
      );
      return rows[0] ?? null;
    },
  },
];
