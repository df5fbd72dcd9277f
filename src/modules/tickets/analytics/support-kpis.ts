/**
 * Seed 004's support KPIs: first response under 2 hours, resolution under 24 hours, customer
 * satisfaction over 90 % (the share of ratings 4 or 5), escalation rate under 10 %. Every bound is
 * strict, as the seed words it: a mean first response of exactly 2 hours misses.
 */
export const SUPPORT_KPI_TARGETS = {
  firstResponseSeconds: { target: 2 * 3600, better: 'lower' },
  resolutionSeconds: { target: 24 * 3600, better: 'lower' },
  csatSatisfiedShare: { target: 0.9, better: 'higher' },
  escalationRate: { target: 0.1, better: 'lower' },
} as const;

export type SupportKpi = keyof typeof SUPPORT_KPI_TARGETS;

/** A figure with a seed 004 target beside it; `value` and `met` are null when nothing was measured. */
export interface JudgedFigure {
  value: number | null;
  target: number;
  met: boolean | null;
}

/** Judges the exact value against the KPI; the value shown is rounded by `round`. */
export function judge(kpi: SupportKpi, value: number | null, round: (n: number) => number): JudgedFigure {
  const { target, better } = SUPPORT_KPI_TARGETS[kpi];
  if (value === null) return { value: null, target, met: null };
  return { value: round(value), target, met: better === 'lower' ? value < target : value > target };
}
