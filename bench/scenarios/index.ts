import type { BaselineRoute, Scenario } from '../scenario';
import { analyticsBaselineRoutes, analyticsScenarios } from './analytics';
import { customerBaselineRoutes, customerScenarios } from './customers';
import { meBaselineRoutes, meScenario } from './me';
import { ticketBaselineRoutes, ticketScenarios } from './tickets';

/** Every scenario `npm run bench` measures (BENCH_ONLY=<substring> picks some); modules add theirs here. */
export const SCENARIOS: Scenario[] = [
  meScenario,
  ...customerScenarios,
  ...ticketScenarios,
  ...analyticsScenarios,
];
export const BASELINE_ROUTES: BaselineRoute[] = [
  ...meBaselineRoutes,
  ...customerBaselineRoutes,
  ...ticketBaselineRoutes,
  ...analyticsBaselineRoutes,
];
