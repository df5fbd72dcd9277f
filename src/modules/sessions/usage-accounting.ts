import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import type { BatchUsageReportDto } from './dto/session.dto';
import { SessionAuthorizer } from './session-authorizer';
import { SessionLifecycle } from './session-lifecycle';
import { causeOfReason, reasonOfCause, TerminationReason } from './session-types';
import { SessionRow, SessionsRepository, UsageApplication, UsageReport } from './sessions.repository';
import { SessionsMetrics } from './sessions.metrics';

/**
 * What became of one report:
 * - `applied`: counted; `duplicate`: this very report was counted before (a retry);
 * - `superseded`: a later report of the same session in the same batch carries it;
 * - `stale`: a later sequence was counted already (a report that arrived out of order);
 * - `sequence_reused`: the sequence was counted before with other counters;
 * - `counter_decreased`: a later sequence with smaller counters (cumulative counters never go back);
 * - `not_found`: no such session in the device's company; `not_started`: it has no usage to count.
 * Only `applied` changes anything, so a report sent twice or late never counts twice.
 */
export type UsageOutcome =
  | 'applied'
  | 'duplicate'
  | 'superseded'
  | 'stale'
  | 'sequence_reused'
  | 'counter_decreased'
  | 'not_found'
  | 'not_started';

export interface UsageResult {
  session_id: string;
  sequence: number;
  outcome: UsageOutcome;
  /** The session after the batch, when it was found. */
  status: string | null;
  bytes_in: number | null;
  bytes_out: number | null;
  /** Set when this batch ended the session (data cap, or a stop report). */
  terminated_reason: TerminationReason | null;
}

/**
 * RADIUS-accounting-style usage from access controllers: cumulative counters with a sequence number
 * per session, many sessions per request. One transaction per batch: one UPDATE for every counted
 * report, one for the sessions that reached their data cap or were reported stopped, their events,
 * and one upsert of the company's hourly rollup.
 */
@Injectable()
export class UsageAccounting {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly lifecycle: SessionLifecycle,
    private readonly authorizer: SessionAuthorizer,
    private readonly metrics: SessionsMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(UsageAccounting.name);
  }

  async record(companyId: string, deviceId: string, reports: BatchUsageReportDto[]): Promise<UsageResult[]> {
    const started = performance.now();
    const latest = latestPerSession(reports);
    const at = this.clock.now();
    let bytesIn = 0n;
    let bytesOut = 0n;
    const { applications, ended } = await this.repository.transaction(async (manager) => {
      const found = await this.repository.applyUsage(
        manager,
        companyId,
        [...latest.values()].map(toUsage),
        at,
      );
      const byId = new Map(found.map((application) => [application.session_id, application]));
      const capped: string[] = [];
      const stopped = new Map<TerminationReason, string[]>();
      for (const report of latest.values()) {
        const application = byId.get(report.session_id);
        if (!application?.applied) continue;
        bytesIn += BigInt(report.bytes_in) - BigInt(application.prev_in ?? 0);
        bytesOut += BigInt(report.bytes_out) - BigInt(application.prev_out ?? 0);
        if (application.status !== 'active') continue;
        const cap = application.data_cap_bytes === null ? null : BigInt(application.data_cap_bytes);
        if (cap !== null && BigInt(report.bytes_in) + BigInt(report.bytes_out) >= cap) {
          capped.push(report.session_id);
        } else if (report.status_type === 'stop' && report.terminate_cause) {
          const reason = reasonOfCause(report.terminate_cause);
          stopped.set(reason, [...(stopped.get(reason) ?? []), report.session_id]);
        }
      }
      const endedRows: SessionRow[] = [];
      const end = async (ids: string[], reason: TerminationReason, by: 'system' | 'access_controller') => {
        const rows = await this.repository.terminate(manager, companyId, ids, {
          reason,
          cause: causeOfReason(reason),
          by,
          at,
        });
        endedRows.push(...rows);
      };
      await end(capped, 'data_cap', 'system');
      for (const [reason, ids] of stopped) await end(ids, reason, 'access_controller');
      await this.lifecycle.ended(manager, endedRows);
      const counted = found.filter((application) => application.applied).length;
      if (counted > 0)
        await this.repository.addHourlyUsage(manager, companyId, at, { bytesIn, bytesOut, reports: counted });
      return { applications: byId, ended: endedRows };
    });
    this.metrics.usage(companyId, bytesIn, bytesOut);
    await this.authorizer.remember(ended);
    const endedById = new Map(ended.map((row) => [row.id, row]));
    const results = reports.map((report) =>
      resultOf(report, latest.get(report.session_id)!, applications.get(report.session_id), endedById),
    );
    this.logger.debug(
      {
        operation: 'sessions.usage',
        company_id: companyId,
        device_id: deviceId,
        reports: reports.length,
        applied: results.filter((result) => result.outcome === 'applied').length,
        ended: ended.length,
        duration_ms: Math.round(performance.now() - started),
      },
      'Usage recorded',
    );
    return results;
  }
}

const toUsage = (report: BatchUsageReportDto): UsageReport => ({
  sessionId: report.session_id,
  sequence: report.sequence,
  bytesIn: report.bytes_in,
  bytesOut: report.bytes_out,
});

/** Each session's report with the highest sequence (the first of equals): the one the database sees. */
function latestPerSession(reports: BatchUsageReportDto[]): Map<string, BatchUsageReportDto> {
  const latest = new Map<string, BatchUsageReportDto>();
  for (const report of reports) {
    const kept = latest.get(report.session_id);
    if (!kept || report.sequence > kept.sequence) latest.set(report.session_id, report);
  }
  return latest;
}

function resultOf(
  report: BatchUsageReportDto,
  latest: BatchUsageReportDto,
  application: UsageApplication | undefined,
  ended: Map<string, SessionRow>,
): UsageResult {
  const base = { session_id: report.session_id, sequence: report.sequence };
  if (!application?.found) {
    return {
      ...base,
      outcome: 'not_found',
      status: null,
      bytes_in: null,
      bytes_out: null,
      terminated_reason: null,
    };
  }
  const endedRow = ended.get(report.session_id);
  const result = {
    ...base,
    status: endedRow?.status ?? application.status,
    bytes_in: application.applied ? latest.bytes_in : Number(application.prev_in),
    bytes_out: application.applied ? latest.bytes_out : Number(application.prev_out),
    terminated_reason: endedRow?.termination_reason ?? null,
  };
  const outcome = outcomeOf(latest, application);
  if (report === latest || (outcome !== 'applied' && outcome !== 'duplicate')) return { ...result, outcome };
  if (report.sequence < latest.sequence) return { ...result, outcome: 'superseded' };
  return { ...result, outcome: sameCounters(report, latest) ? 'duplicate' : 'sequence_reused' };
}

/** What the database made of the report it saw (the session's latest in the batch). */
function outcomeOf(report: BatchUsageReportDto, application: UsageApplication): UsageOutcome {
  if (application.applied) return 'applied';
  if (application.status === 'pending_payment' || application.status === 'payment_failed')
    return 'not_started';
  const prevSeq = Number(application.prev_seq);
  if (report.sequence < prevSeq) return 'stale';
  if (report.sequence === prevSeq) {
    const same =
      report.bytes_in === Number(application.prev_in) && report.bytes_out === Number(application.prev_out);
    return same ? 'duplicate' : 'sequence_reused';
  }
  return 'counter_decreased';
}

const sameCounters = (a: BatchUsageReportDto, b: BatchUsageReportDto): boolean =>
  a.bytes_in === b.bytes_in && a.bytes_out === b.bytes_out;
