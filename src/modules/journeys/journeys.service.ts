import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, encodeCursor, Page } from '../../platform/http/pagination';
import { CustomersService } from '../customers/customers.service';
import type {
  JourneyErrorsQuery,
  JourneyPerformanceQuery,
  JourneyTimelineQuery,
  StuckJourneysQuery,
} from './dto/journeys.dto';
import { JourneyCommitHook } from './journey-commit-hook';
import { DEFAULT_RESPONSE_TEMPLATES, guidanceFor, NORMAL_TIMES_MS, stageLimits } from './journey-guidance';
import { isTerminalEvent, parseDurationMs, parseSince } from './journey-rules';
import { JOURNEY_ERROR_TYPES, JourneyErrorType, JourneyEventInput } from './journey.types';
import { JourneysMetrics } from './journeys.metrics';
import { JourneysRepository, NewJourneyEvent, TimelineRow } from './journeys.repository';

const SEQ = /^\d{1,19}$/;
const DEFAULT_SINCE = '1h';
const DEFAULT_BIN = '5m';
/** A performance answer has at most this many bins per operation. */
const MAX_BINS = 2000;

const badQuery = (field: string, message: string) =>
  new DomainException('invalid_input', 'validation-failed', 'The request has invalid fields', [
    { field, message },
  ]);

export interface TimelineEvent {
  id: string;
  flow: string;
  trace_id: string;
  event_type: string;
  status: string;
  error_type: JourneyErrorType | null;
  duration_ms: number | null;
  operation: string | null;
  fields: Record<string, unknown>;
  occurred_at: string;
  /** The customer-facing text for an error's class (the company's own, or seed 000's); null otherwise. */
  response_text: string | null;
}

export type { JourneyEventInput } from './journey.types';

/** One event of a customer's journey as the support console shows it. */
export interface ConsoleJourneyEvent {
  id: string;
  flow: string;
  trace_id: string;
  /** The event type (seed 000's stage name). */
  stage: string;
  /** The stage for people ("External validation"). */
  stage_name: string;
  status: string;
  error_type: JourneyErrorType | null;
  duration_ms: number | null;
  /**
   * What is normal: for an event that measures an operation, seed 000's maximum for it (compare with
   * duration_ms); otherwise how long the run normally stays at this stage; null when nothing follows.
   */
  normal_max_ms: number | null;
  occurred_at: string;
  response_text: string | null;
}

/** Where a customer's run is stuck, and what to check there. */
export interface ConsoleStuckRun {
  flow: string;
  trace_id: string;
  stage: string;
  stage_name: string;
  status: string;
  error_type: JourneyErrorType | null;
  since: string;
  stuck_for_ms: number;
  normal_max_ms: number;
  check: string[];
}

/**
 * Customer journeys (seed 000): the one place flows record their stages, and the one place support reads
 * them from. CONTRACT for other modules: `record(input, manager?)` writes the event, and upserts the
 * run's state, inside the caller's transaction when a manager is given (one statement on its own
 * otherwise). The matching CUSTOMER_EVENT / CUSTOMER_ERROR / CUSTOMER_METRIC log lines and the metrics
 * follow once that transaction commits (at once without a transaction) and never for a rolled-back one.
 */
@Injectable()
export class JourneysService {
  constructor(
    private readonly repository: JourneysRepository,
    private readonly metrics: JourneysMetrics,
    private readonly commitHook: JourneyCommitHook,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(JourneysService.name);
  }

  async record(input: JourneyEventInput, manager?: EntityManager): Promise<void> {
    const event: NewJourneyEvent = {
      companyId: input.companyId,
      customerId: input.customerId,
      flow: input.flow,
      traceId: input.traceId,
      eventType: input.eventType,
      status: input.status,
      errorType: input.errorType ?? null,
      durationMs: input.durationMs ?? null,
      operation: input.operation ?? null,
      fields: input.fields ?? {},
      occurredAt: input.occurredAt ?? this.clock.now(),
      terminal: isTerminalEvent(input),
    };
    await this.repository.record(manager, event);
    this.commitHook.afterCommit(manager, () => this.emit(event));
  }

  /** One customer's journey, oldest first, each error with its response text. A foreign id is a 404. */
  async timeline(
    principal: Principal,
    customerId: string,
    query: JourneyTimelineQuery,
  ): Promise<Page<TimelineEvent> & { customer_id: string }> {
    await this.customers.get(principal, customerId);
    const after = query.cursor ? decodeCursor(query.cursor, SEQ) : null;
    const rows = await this.repository.timeline({
      companyId: principal.companyId,
      customerId,
      flow: query.flow ?? null,
      after: after ? { at: after.at, seq: after.id } : null,
      limit: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    return {
      customer_id: customerId,
      data: page.map(timelineEvent),
      next_cursor:
        hasMore && last ? encodeCursor({ at: last.occurred_at.toISOString(), id: last.seq }) : null,
    };
  }

  /** Runs that have not ended and sat at their last stage too long, with what to check there. */
  async stuck(principal: Principal, query: StuckJourneysQuery) {
    const olderThanMs = query.older_than === undefined ? null : parseDurationMs(query.older_than);
    if (query.older_than !== undefined && olderThanMs === null) {
      throw badQuery(
        'older_than',
        'older_than is a positive duration like 30s, 5m, 1h or a number of seconds',
      );
    }
    const now = this.clock.now();
    const rows = await this.repository.stuck({
      companyId: principal.companyId,
      flow: query.flow ?? null,
      now,
      olderThanMs,
      limits: stageLimits(),
      limit: query.limit,
    });
    return {
      older_than_ms: olderThanMs,
      data: rows.map((row) => {
        const guidance = guidanceFor(row.flow, row.last_event_type, row.last_status);
        return {
          customer_id: row.customer_id,
          flow: row.flow,
          trace_id: row.trace_id,
          stage: row.last_event_type,
          stage_name: guidance.stage,
          status: row.last_status,
          error_type: row.last_error_type,
          started_at: row.started_at.toISOString(),
          since: row.last_at.toISOString(),
          stuck_for_ms: now.getTime() - row.last_at.getTime(),
          normal_max_ms: guidance.normalMaxMs,
          check: guidance.check,
        };
      }),
    };
  }

  /**
   * One customer's journey for the support console: the newest `limit` events, newest first, and the run
   * that has been stuck longest (null when none is). The caller has checked the customer is visible.
   */
  async customerOverview(
    companyId: string,
    customerId: string,
    limit: number,
  ): Promise<{ events: ConsoleJourneyEvent[]; stuck: ConsoleStuckRun | null }> {
    const now = this.clock.now();
    const [rows, stuck] = await Promise.all([
      this.repository.recentEvents(companyId, customerId, limit),
      this.repository.stuck({
        companyId,
        customerId,
        flow: null,
        now,
        olderThanMs: null,
        limits: stageLimits(),
        limit: 1,
      }),
    ]);
    const run = stuck[0];
    const guidance = run ? guidanceFor(run.flow, run.last_event_type, run.last_status) : undefined;
    return {
      events: rows.map((row) => {
        const event = timelineEvent(row);
        const stage = guidanceFor(row.flow, row.event_type, row.status);
        return {
          id: event.id,
          flow: event.flow,
          trace_id: event.trace_id,
          stage: event.event_type,
          stage_name: stage.stage,
          status: event.status,
          error_type: event.error_type,
          duration_ms: event.duration_ms,
          normal_max_ms: operationMaxMs(row.operation) ?? (stage.normalMaxMs > 0 ? stage.normalMaxMs : null),
          occurred_at: event.occurred_at,
          response_text: event.response_text,
        };
      }),
      stuck:
        run && guidance
          ? {
              flow: run.flow,
              trace_id: run.trace_id,
              stage: run.last_event_type,
              stage_name: guidance.stage,
              status: run.last_status,
              error_type: run.last_error_type,
              since: run.last_at.toISOString(),
              stuck_for_ms: now.getTime() - run.last_at.getTime(),
              normal_max_ms: guidance.normalMaxMs,
              check: [guidance.check],
            }
          : null,
    };
  }

  /** Error counts by customer and class since a time, most first. */
  async errors(principal: Principal, query: JourneyErrorsQuery) {
    const since = this.since(query.since);
    const rows = await this.repository.errorCounts({
      companyId: principal.companyId,
      flow: query.flow ?? null,
      since,
      limit: query.limit,
    });
    return {
      since: since.toISOString(),
      data: rows.map((row) => ({
        customer_id: row.customer_id,
        error_type: row.error_type,
        count: row.count,
        last_at: row.last_at.toISOString(),
      })),
    };
  }

  /** avg/max/count of durations by operation and time bin, newest bin first. */
  async performance(principal: Principal, query: JourneyPerformanceQuery) {
    const since = this.since(query.since);
    const binMs = parseDurationMs(query.bin ?? DEFAULT_BIN);
    if (binMs === null || binMs < 1000 || binMs % 1000 !== 0) {
      throw badQuery('bin', 'bin is a whole number of seconds of at least 1s, like 30s, 5m or 1h');
    }
    if ((this.clock.now().getTime() - since.getTime()) / binMs > MAX_BINS) {
      throw badQuery(
        'bin',
        `since / bin gives more than ${MAX_BINS} bins: choose a wider bin or a later since`,
      );
    }
    const rows = await this.repository.performance({
      companyId: principal.companyId,
      flow: query.flow ?? null,
      since,
      binSeconds: binMs / 1000,
    });
    return {
      since: since.toISOString(),
      bin_seconds: binMs / 1000,
      data: rows.map((row) => ({
        bin_start: row.bin_start.toISOString(),
        operation: row.operation,
        avg_duration_ms: Math.round(row.avg_ms * 100) / 100,
        max_duration_ms: row.max_ms,
        count: row.count,
      })),
    };
  }

  /** Every error class with the text customers get: the company's own, or seed 000's. */
  async responseTemplates(principal: Principal) {
    const own = new Map(
      (await this.repository.templates(principal.companyId)).map((row) => [row.error_type, row]),
    );
    return {
      data: JOURNEY_ERROR_TYPES.map((errorType) => {
        const row = own.get(errorType);
        return {
          error_type: errorType,
          text: row?.text ?? DEFAULT_RESPONSE_TEMPLATES[errorType],
          source: row ? 'company' : 'default',
          default_text: DEFAULT_RESPONSE_TEMPLATES[errorType],
          updated_by: row?.updated_by ?? null,
          updated_at: row?.updated_at.toISOString() ?? null,
        };
      }),
    };
  }

  async setResponseTemplate(principal: Principal, errorType: string, text: string) {
    const known = this.errorType(errorType);
    const row = await this.repository.upsertTemplate({
      companyId: principal.companyId,
      errorType: known,
      text,
      updatedBy: principal.userId,
      at: this.clock.now(),
    });
    this.logger.info(
      {
        operation: 'journeys.template.set',
        company_id: principal.companyId,
        user_id: principal.userId,
        error_type: known,
      },
      'Response template changed',
    );
    return {
      error_type: row.error_type,
      text: row.text,
      source: 'company',
      default_text: DEFAULT_RESPONSE_TEMPLATES[known],
      updated_by: row.updated_by,
      updated_at: row.updated_at.toISOString(),
    };
  }

  /** Back to seed 000's text. */
  async resetResponseTemplate(principal: Principal, errorType: string): Promise<void> {
    await this.repository.deleteTemplate(principal.companyId, this.errorType(errorType));
  }

  private errorType(text: string): JourneyErrorType {
    if ((JOURNEY_ERROR_TYPES as readonly string[]).includes(text)) return text as JourneyErrorType;
    throw new DomainException(
      'unprocessable',
      'unknown-error-type',
      `Unknown error class; one of ${JOURNEY_ERROR_TYPES.join(', ')}`,
      [{ field: 'error_type', message: `error_type is one of ${JOURNEY_ERROR_TYPES.join(', ')}` }],
    );
  }

  private since(text: string | undefined): Date {
    const since = parseSince(text ?? DEFAULT_SINCE, this.clock.now());
    if (!since) {
      throw badQuery(
        'since',
        'since is a duration back from now (30m, 1h, 2d) or an ISO 8601 time with an offset',
      );
    }
    return since;
  }

  /** The log lines seed 000's queries read (see docs/journeys.md for their LogQL), and the counters. */
  private emit(event: NewJourneyEvent): void {
    this.metrics.recorded(event);
    const line = {
      company_id: event.companyId,
      customer_id: event.customerId,
      trace_id: event.traceId,
      flow: event.flow,
      event_type: event.eventType,
      status: event.status,
      error_type: event.errorType,
      duration_ms: event.durationMs,
      operation: event.operation,
      occurred_at: event.occurredAt.toISOString(),
    };
    this.logger.info({ kind: 'CUSTOMER_EVENT', ...line, fields: event.fields }, 'CUSTOMER_EVENT');
    if (event.status === 'error') {
      // A customer's bad input is a business-rule refusal (warn); the rest are failures on our side (error).
      const entry = { kind: 'CUSTOMER_ERROR', ...line, fields: event.fields };
      if (event.errorType === 'validation_error') this.logger.warn(entry, 'CUSTOMER_ERROR');
      else this.logger.error(entry, 'CUSTOMER_ERROR');
    }
    if (event.durationMs !== null) {
      this.logger.info({ kind: 'CUSTOMER_METRIC', ...line }, 'CUSTOMER_METRIC');
    }
  }
}

/** Seed 000's normal maximum for a measured operation (`validation`, `total`, …); undefined for others. */
function operationMaxMs(operation: string | null): number | undefined {
  if (operation === null || !Object.hasOwn(NORMAL_TIMES_MS, operation)) return undefined;
  return NORMAL_TIMES_MS[operation as keyof typeof NORMAL_TIMES_MS].max;
}

function timelineEvent(row: TimelineRow): TimelineEvent {
  const errorClass: JourneyErrorType = row.error_type ?? 'system_error';
  return {
    id: row.id,
    flow: row.flow,
    trace_id: row.trace_id,
    event_type: row.event_type,
    status: row.status,
    error_type: row.error_type,
    duration_ms: row.duration_ms,
    operation: row.operation,
    fields: row.fields,
    occurred_at: row.occurred_at.toISOString(),
    response_text:
      row.status === 'error' ? (row.override_text ?? DEFAULT_RESPONSE_TEMPLATES[errorClass]) : null,
  };
}
