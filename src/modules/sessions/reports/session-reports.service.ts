import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../../platform/clock/clock';
import { CustomersService } from '../../customers/customers.service';
import { ReportInterval, resolveChurnDays, resolveReportRange } from './report-period';
import { SeriesRow, SessionReportsRepository } from './session-reports.repository';

const DAY_MS = 86_400_000;

export interface SessionReportInput {
  /** ISO 8601 date or date-time with offset, inclusive; default `to` − 7 days. */
  from?: string;
  /** Exclusive; default now. */
  to?: string;
  interval?: ReportInterval;
  churnDays?: number;
}

export interface RevenueFigure {
  currency: string;
  amount_minor: number;
}

/** The figures of a bucket, and of the whole range (`totals`). */
export interface SessionFigures {
  active_sessions: number;
  new_sessions: number;
  terminated_sessions: number;
  average_duration_seconds: number | null;
  data_bytes_in: number;
  data_bytes_out: number;
  payments_succeeded: number;
  payments_failed: number;
  payment_success_rate: number | null;
  new_registrations: number;
  voucher_sessions: number;
  revenue: RevenueFigure[];
}

export interface SessionReport {
  from: string;
  to: string;
  interval: ReportInterval;
  churn_days: number;
  totals: SessionFigures;
  series: Array<{ start: string; end: string } & SessionFigures>;
  revenue_by_package: Array<{
    package_id: string;
    package_name: string;
    currency: string;
    sessions: number;
    revenue_minor: number;
  }>;
  terminations_by_reason: Array<{ reason: string; count: number }>;
  churn: {
    window_days: number;
    previously_active_customers: number;
    churned_customers: number;
    churn_rate: number | null;
  };
}

const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
/** Seconds to the millisecond: averages of timestamps carry microseconds nobody reads. */
const seconds = (value: number): number => Math.round(value * 1000) / 1000;

/** Revenue by currency summed over buckets, sorted by currency. */
function sumRevenue(lists: RevenueFigure[][]): RevenueFigure[] {
  const totals = new Map<string, number>();
  for (const list of lists) {
    for (const { currency, amount_minor } of list) {
      totals.set(currency, (totals.get(currency) ?? 0) + amount_minor);
    }
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount_minor]) => ({ currency, amount_minor }));
}

/**
 * The WiFi sessions report (issue 10, seed 003's KPIs) of one company over [from, to), per bucket
 * (UTC hour, day, ISO week from Monday, or calendar month; the first and last bucket clipped to the
 * range) and in total. Set-based: a handful of statements whatever the volume, from one snapshot.
 *
 * - new_sessions: sessions whose started_at is in the bucket; voucher_sessions: those of them started
 *   from a voucher (source voucher).
 * - terminated_sessions: sessions whose ended_at is in the bucket, however they ended (expiry too).
 * - active_sessions: sessions active at the bucket's end: started_at < end and (ended_at is null or
 *   ended_at >= end). In totals: at `to`.
 * - average_duration_seconds: average of ended_at − started_at over the sessions ended in the bucket;
 *   null when none ended. In totals: over every session ended in the range.
 * - data_bytes_in / data_bytes_out: sums of the hourly usage rollup for the hours starting in the bucket.
 * - payments_succeeded: sessions whose paid_at is in the bucket; payments_failed: whose
 *   payment_failed_at is (a failure later paid is no longer a failure: payment retries clear it).
 *   payment_success_rate = succeeded / (succeeded + failed), null when both are 0.
 * - revenue: sum of price_minor of the sessions paid in the bucket, per currency (voucher sessions are
 *   not paid here and bring none).
 * - new_registrations: customers created in the bucket, deleted ones included (from the customers module).
 * - revenue_by_package: revenue of the sessions paid in the range by package and currency, most first.
 * - terminations_by_reason: sessions ended in the range by termination reason, most first.
 * - churn: of the customers who started a session before `to` − churn_days (previously active), those
 *   who started none in [`to` − churn_days, `to`) (churned); churn_rate null without previously active.
 *
 * Money in minor units and bytes are JSON numbers; timestamps ISO 8601 in UTC.
 */
@Injectable()
export class SessionReportsService {
  constructor(
    private readonly repository: SessionReportsRepository,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(SessionReportsService.name);
  }

  async report(companyId: string, input: SessionReportInput): Promise<SessionReport> {
    const started = performance.now();
    const range = resolveReportRange(input, this.clock.now());
    const churnDays = resolveChurnDays(input.churnDays);
    const since = new Date(range.to.getTime() - churnDays * DAY_MS);
    const query = { companyId, from: range.from, to: range.to, interval: range.interval };
    const [sessions, registrations] = await Promise.all([
      this.repository.snapshot(async (manager) => ({
        series: await this.repository.series(manager, query),
        packages: await this.repository.revenueByPackage(manager, query),
        reasons: await this.repository.terminationsByReason(manager, query),
        churn: await this.repository.churn(manager, companyId, since, range.to),
      })),
      this.customers.registrationCounts(companyId, range.from, range.to, range.interval),
    ]);
    if (sessions.series.length !== range.buckets.length) {
      throw new Error(
        `Report buckets disagree: ${sessions.series.length} from the database, ${range.buckets.length} expected`,
      );
    }
    const registered = new Map(registrations.map((r) => [new Date(r.start).getTime(), r.count]));
    const series = sessions.series.map((row) => ({
      start: new Date(row.start).toISOString(),
      end: new Date(row.end).toISOString(),
      ...this.figures(row, registered.get(new Date(row.key).getTime()) ?? 0),
    }));
    const sum = (pick: (row: SessionFigures) => number) =>
      series.reduce((total, row) => total + pick(row), 0);
    const durationSeconds = sessions.series.reduce(
      (total, row) => total + Number(row.duration_seconds ?? 0),
      0,
    );
    const terminated = sum((row) => row.terminated_sessions);
    const succeeded = sum((row) => row.payments_succeeded);
    const failed = sum((row) => row.payments_failed);
    const { churn } = sessions;
    const report: SessionReport = {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      interval: range.interval,
      churn_days: churnDays,
      totals: {
        active_sessions: series[series.length - 1].active_sessions,
        new_sessions: sum((row) => row.new_sessions),
        terminated_sessions: terminated,
        average_duration_seconds: terminated === 0 ? null : seconds(durationSeconds / terminated),
        data_bytes_in: sum((row) => row.data_bytes_in),
        data_bytes_out: sum((row) => row.data_bytes_out),
        payments_succeeded: succeeded,
        payments_failed: failed,
        payment_success_rate: rate(succeeded, succeeded + failed),
        new_registrations: sum((row) => row.new_registrations),
        voucher_sessions: sum((row) => row.voucher_sessions),
        revenue: sumRevenue(series.map((row) => row.revenue)),
      },
      series,
      revenue_by_package: sessions.packages.map((row) => ({
        package_id: row.package_id,
        package_name: row.package_name,
        currency: row.currency.trim(),
        sessions: row.sessions,
        revenue_minor: Number(row.revenue_minor),
      })),
      terminations_by_reason: sessions.reasons,
      churn: {
        window_days: churnDays,
        previously_active_customers: churn.previously_active,
        churned_customers: churn.churned,
        churn_rate: rate(churn.churned, churn.previously_active),
      },
    };
    this.logger.info(
      {
        operation: 'sessions.report',
        company_id: companyId,
        interval: range.interval,
        buckets: series.length,
        range_days: Math.round((range.to.getTime() - range.from.getTime()) / DAY_MS),
        duration_ms: Math.round(performance.now() - started),
      },
      'Sessions report computed',
    );
    return report;
  }

  /** The companies that have packages: those the scheduled (CLI) report covers. */
  companiesWithPackages(): Promise<string[]> {
    return this.repository.companiesWithPackages();
  }

  private figures(row: SeriesRow, registrations: number): SessionFigures {
    return {
      active_sessions: row.active_sessions,
      new_sessions: row.new_sessions,
      terminated_sessions: row.terminated_sessions,
      average_duration_seconds:
        row.terminated_sessions === 0
          ? null
          : seconds(Number(row.duration_seconds) / row.terminated_sessions),
      data_bytes_in: Number(row.data_bytes_in),
      data_bytes_out: Number(row.data_bytes_out),
      payments_succeeded: row.payments_succeeded,
      payments_failed: row.payments_failed,
      payment_success_rate: rate(row.payments_succeeded, row.payments_succeeded + row.payments_failed),
      new_registrations: registrations,
      voucher_sessions: row.voucher_sessions,
      revenue: row.revenue.map((r) => ({
        currency: r.currency.trim(),
        amount_minor: Number(r.amount_minor),
      })),
    };
  }
}
