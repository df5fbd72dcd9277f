/**
 * The shape every bench's results take for `npm run bench:report` (bench/report.ts): one row per measured
 * figure, the service's value beside its bare baseline's, with the target it is held to. Each bench maps its
 * own result to figures (`…Figures`), so what a target is and when it is met stays in the bench that knows.
 */

/** The modules the report has a table for, in the order of docs/benchmarks.md. */
export const REPORT_MODULES = [
  'platform',
  'customers',
  'tickets',
  'invoices',
  'statements',
  'notifications',
  'bank-accounts',
  'payments',
  'sessions',
] as const;
export type ReportModule = (typeof REPORT_MODULES)[number];

export interface Figure {
  module: ReportModule;
  /** Stable across volumes: the report pairs a figure at V with the same figure at V/10 by scenario + measure. */
  scenario: string;
  /** What was measured, e.g. `req/s, 16 conn.`, `p97.5 ms, 2 conn.`, `time s`. */
  measure: string;
  /** The data the scenario ran against, e.g. `100,000 customers`; `–` where it has no volume. */
  volume: string;
  service: number;
  /** The bare baseline's same figure, where the bench has one. */
  baseline: number | null;
  /** A rate (higher is better): its growth reads as time per unit, 1 / growth. */
  rate?: boolean;
  /**
   * The work behind the figure when the volume grows tenfold: `fixed` (one request, one page, one item:
   * should stay flat), `volume` (a scan or batch over the whole volume: should grow about tenfold), `none`
   * (the scenario has no volume).
   */
  work: 'fixed' | 'volume' | 'none';
  /** Seed target and goal, as text; null where none applies. */
  target: string | null;
  met: boolean | null;
  /** A memory figure: its growth reads as memory held, not work done. */
  memory?: boolean;
  /** A caveat for the reading (e.g. why a V/10 figure is not comparable). */
  note?: string;
}

/** `1,000,000` */
export const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The company a bench seeds for `volume`: the bench's fixed id at its default volume (so data seeded by
 * earlier runs of the bench alone is reused), a derived fixed id at any other (so each volume is seeded
 * once and reused too, and volumes never overwrite each other).
 */
export function companyForVolume(baseId: string, volume: number, defaultVolume: number): string {
  if (volume === defaultVolume) return baseId;
  return `c${volume.toString(16).padStart(7, '0')}${baseId.slice(8)}`;
}
