import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Command, CommandRunner, Option } from 'nest-commander';
import { CLI_APP_MODULE } from '../../../platform/cli/cli-app';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { completePeriod, parseCalendarDate, REPORT_PERIODS, ReportPeriod } from './report-period';
import type { SessionFigures, SessionReport } from './session-reports.service';
import { SessionReportsService } from './session-reports.service';

interface ReportOptions {
  period: ReportPeriod;
  company?: string;
  asOf?: Date;
  out: string;
}

/** The CLI report's churn window, as the API's default. */
const CHURN_DAYS = 30;

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const cell = (value: number | string | null): string => csvField(value === null ? '' : String(value));
const day = (iso: string): string => iso.slice(0, 10);

/**
 * The report as CSV (RFC 4180, CRLF, a header line): one row per bucket dated by its start, then a
 * `total` row (active sessions at the end of the period, averages and rates over the whole period).
 * One `revenue_minor_<CUR>` column per currency the period has revenue in, 0 where a bucket has none.
 */
export function renderSessionsCsv(report: SessionReport): string {
  const currencies = report.totals.revenue.map((r) => r.currency);
  const header = [
    'date',
    'new_sessions',
    'terminated_sessions',
    'active_sessions',
    'average_duration_seconds',
    'data_bytes_in',
    'data_bytes_out',
    'payments_succeeded',
    'payments_failed',
    'payment_success_rate',
    'new_registrations',
    ...currencies.map((currency) => `revenue_minor_${currency}`),
  ];
  const row = (date: string, f: SessionFigures) =>
    [
      date,
      f.new_sessions,
      f.terminated_sessions,
      f.active_sessions,
      f.average_duration_seconds,
      f.data_bytes_in,
      f.data_bytes_out,
      f.payments_succeeded,
      f.payments_failed,
      f.payment_success_rate,
      f.new_registrations,
      ...currencies.map((c) => f.revenue.find((r) => r.currency === c)?.amount_minor ?? 0),
    ]
      .map(cell)
      .join(',');
  const lines = [
    header.map(csvField).join(','),
    ...report.series.map((bucket) => row(day(bucket.start), bucket)),
    row('total', report.totals),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

const percent = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** A few lines for a person: the period, its totals, the top 3 packages by revenue, churn, the file. */
export function summariseReport(
  report: SessionReport,
  period: ReportPeriod,
  companyId: string,
  file: string,
): string {
  const t = report.totals;
  const lastDay = day(new Date(new Date(report.to).getTime() - 86_400_000).toISOString());
  const revenue = t.revenue.length
    ? t.revenue.map((r) => `${r.currency} ${r.amount_minor}`).join(', ')
    : 'none';
  const top = report.revenue_by_package
    .slice(0, 3)
    .map(
      (p, i) =>
        `${i + 1}. ${p.package_name}: ${p.currency} ${p.revenue_minor} from ${p.sessions} session${p.sessions === 1 ? '' : 's'}`,
    );
  const { churn } = report;
  return [
    `Sessions report ${period}, ${day(report.from)} to ${lastDay}, company ${companyId}`,
    `  Sessions: ${t.new_sessions} new (${t.voucher_sessions} from vouchers), ${t.terminated_sessions} ended, ` +
      `${t.active_sessions} active at the end; average duration ${t.average_duration_seconds ?? 'n/a'} s`,
    `  Data: ${t.data_bytes_in} bytes in, ${t.data_bytes_out} bytes out`,
    `  Payments: ${t.payments_succeeded} succeeded, ${t.payments_failed} failed (success rate ${percent(t.payment_success_rate)})`,
    `  Revenue (minor units): ${revenue}`,
    `  New registrations: ${t.new_registrations}`,
    `  Top packages by revenue: ${top.length ? top.join('; ') : 'none'}`,
    `  Churn (${churn.window_days} days): ${churn.churned_customers} of ${churn.previously_active_customers} ` +
      `previously active customers (${percent(churn.churn_rate)})`,
    `  File: ${file}`,
    '',
  ].join('\n');
}

/**
 * `npm run cli -- report --period weekly|monthly [--company <uuid>] [--as-of YYYY-MM-DD] [--out <dir>]`:
 * the last complete ISO week or calendar month before the as-of date (default today, UTC), one CSV of
 * daily rows per company (every company that has packages when --company is absent), and a summary.
 */
@Command({
  name: 'report',
  description: 'Write the weekly or monthly sessions report (CSV per company) and print a summary',
})
export class SessionsReportCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: ReportOptions): Promise<void> {
    const app = await NestFactory.createApplicationContext(CLI_APP_MODULE(this.config), { logger: false });
    try {
      const reports = app.get(SessionReportsService);
      const { from, to } = completePeriod(options.period, options.asOf ?? app.get(Clock).now());
      const companies = options.company ? [options.company] : await reports.companiesWithPackages();
      if (companies.length === 0) {
        process.stdout.write('No company has packages: no report written\n');
        return;
      }
      const dir = resolve(options.out);
      await mkdir(dir, { recursive: true });
      for (const companyId of companies) {
        const report = await reports.report(companyId, {
          from: from.toISOString(),
          to: to.toISOString(),
          interval: 'day',
          churnDays: CHURN_DAYS,
        });
        const file = join(dir, `sessions-${options.period}-${day(report.from)}-${companyId}.csv`);
        await writeFile(file, renderSessionsCsv(report), 'utf8');
        process.stdout.write(summariseReport(report, options.period, companyId, file));
      }
    } finally {
      await app.close();
    }
  }

  @Option({ flags: '--period <period>', required: true, description: REPORT_PERIODS.join(' or ') })
  parsePeriod(value: string): ReportPeriod {
    if (!(REPORT_PERIODS as readonly string[]).includes(value)) {
      throw new Error(`--period must be ${REPORT_PERIODS.join(' or ')}`);
    }
    return value as ReportPeriod;
  }

  @Option({ flags: '--company <uuid>', description: 'one company; every company with packages when absent' })
  parseCompany(value: string): string {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      throw new Error('--company must be a uuid');
    }
    return value.toLowerCase();
  }

  @Option({ flags: '--as-of <date>', description: 'YYYY-MM-DD (UTC); today when absent' })
  parseAsOf(value: string): Date {
    const date = parseCalendarDate(value);
    if (!date) throw new Error('--as-of must be a date YYYY-MM-DD');
    return date;
  }

  @Option({ flags: '--out <dir>', description: 'where the CSV files go', defaultValue: './reports' })
  parseOut(value: string): string {
    return value;
  }
}
