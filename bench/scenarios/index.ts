import type { BaselineRoute, Scenario } from '../scenario';
import { meBaselineRoutes, meScenario } from './me';

/** Every scenario `npm run bench` measures; modules add theirs here. */
export const SCENARIOS: Scenario[] = [meScenario];
export const BASELINE_ROUTES: BaselineRoute[] = [...meBaselineRoutes];
