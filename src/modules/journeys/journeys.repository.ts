import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { JourneyErrorType, JourneyFlow, JourneyStatus } from './journey.types';

export interface NewJourneyEvent {
  companyId: string;
  customerId: string;
  flow: JourneyFlow;
  traceId: string;
  eventType: string;
  status: JourneyStatus;
  errorType: JourneyErrorType | null;
  durationMs: number | null;
  operation: string | null;
  fields: Record<string, unknown>;
  occurredAt: Date;
  terminal: boolean;
}

export interface TimelineRow {
  id: string;
  seq: string;
  flow: JourneyFlow;
  trace_id: string;
  event_type: string;
  status: JourneyStatus;
  error_type: JourneyErrorType | null;
  duration_ms: number | null;
  operation: string | null;
  fields: Record<string, unknown>;
  occurred_at: Date;
  /** The company's own response text for the event's error class, when it has one. */
  override_text: string | null;
}

export interface OpenRunRow {
  customer_id: string;
  flow: JourneyFlow;
  trace_id: string;
  last_event_type: string;
  last_status: JourneyStatus;
  last_error_type: JourneyErrorType | null;
  started_at: Date;
  last_at: Date;
}

export interface ErrorCountRow {
  customer_id: string;
  error_type: JourneyErrorType | null;
  count: number;
  last_at: Date;
}

export interface PerformanceRow {
  bin_start: Date;
  operation: string;
  avg_ms: number;
  max_ms: number;
  count: number;
}

export interface TemplateRow {
  error_type: JourneyErrorType;
  text: string;
  updated_by: string | null;
  updated_at: Date;
}

/** A stage's age limit for the stuck query: runs whose last event is `eventType` are stuck after `maxMs`. */
export interface StageLimit {
  flow: JourneyFlow;
  /** null: the flow's limit for stages not listed. */
  eventType: string | null;
  maxMs: number;
}

export interface StuckQuery {
  companyId: string;
  flow: JourneyFlow | null;
  now: Date;
  /** One age for every stage (`older_than`); the stages' own limits when null. */
  olderThanMs: number | null;
  limits: StageLimit[];
  limit: number;
  /** One customer's runs only (the support console's customer page). */
  customerId?: string;
}

/** Every query of the journeys module. */
@Injectable()
export class JourneysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One statement: the event row, and the run's state upserted from it (no read-modify-write, so
   * concurrent stages of one run never lose an update). A state moves only forward in time: an event
   * that arrives late (older than the state's last one) is kept in the timeline but leaves the state as
   * it is, except for `started_at`.
   */
  async record(manager: EntityManager | undefined, event: NewJourneyEvent): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `WITH event AS (
         INSERT INTO journey_events
           (company_id, customer_id, flow, trace_id, event_type, status, error_type, duration_ms, operation,
            fields, occurred_at)
         VALUES ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::text, $8::double precision,
                 $9::text, $10::jsonb, $11::timestamptz)
         RETURNING company_id, customer_id, flow, trace_id, event_type, status, error_type, occurred_at
       )
       INSERT INTO journey_states AS s
         (company_id, customer_id, flow, trace_id, last_event_type, last_status, last_error_type, started_at,
          last_at, terminal)
       SELECT company_id, customer_id, flow, trace_id, event_type, status, error_type, occurred_at, occurred_at,
              $12::boolean
         FROM event
       ON CONFLICT (company_id, customer_id, flow, trace_id) DO UPDATE SET
         started_at = LEAST(s.started_at, EXCLUDED.started_at),
         last_event_type = CASE WHEN EXCLUDED.last_at >= s.last_at THEN EXCLUDED.last_event_type ELSE s.last_event_type END,
         last_status = CASE WHEN EXCLUDED.last_at >= s.last_at THEN EXCLUDED.last_status ELSE s.last_status END,
         last_error_type = CASE WHEN EXCLUDED.last_at >= s.last_at THEN EXCLUDED.last_error_type ELSE s.last_error_type END,
         terminal = CASE WHEN EXCLUDED.last_at >= s.last_at THEN EXCLUDED.terminal ELSE s.terminal END,
         last_at = GREATEST(s.last_at, EXCLUDED.last_at)`,
      [
        event.companyId,
        event.customerId,
        event.flow,
        event.traceId,
        event.eventType,
        event.status,
        event.errorType,
        event.durationMs,
        event.operation,
        JSON.stringify(event.fields),
        event.occurredAt,
        event.terminal,
      ],
    );
  }

  /** One customer's events, oldest first, after a keyset position (occurred_at, seq). */
  async timeline(query: {
    companyId: string;
    customerId: string;
    flow: JourneyFlow | null;
    after: { at: string; seq: string } | null;
    limit: number;
  }): Promise<TimelineRow[]> {
    return this.dataSource.query<TimelineRow[]>(
      `SELECT e.id, e.seq::text AS seq, e.flow, e.trace_id, e.event_type, e.status, e.error_type, e.duration_ms,
              e.operation, e.fields, e.occurred_at, t.text AS override_text
         FROM journey_events e
         LEFT JOIN journey_response_templates t
           ON t.company_id = e.company_id AND t.error_type = COALESCE(e.error_type, 'system_error')
          AND e.status = 'error'
        WHERE e.company_id = $1 AND e.customer_id = $2
          AND ($3::text IS NULL OR e.flow = $3)
          AND ($4::timestamptz IS NULL OR (e.occurred_at, e.seq) > ($4::timestamptz, $5::bigint))
        ORDER BY e.occurred_at, e.seq
        LIMIT $6`,
      [
        query.companyId,
        query.customerId,
        query.flow,
        query.after?.at ?? null,
        query.after?.seq ?? null,
        query.limit,
      ],
    );
  }

  /**
   * Runs whose latest state is not terminal and older than their stage's limit (or `olderThanMs`),
   * longest stuck first. The loosest cutoff bounds the range scan of the partial index on open runs; each
   * row is then held to its own stage's limit.
   */
  async stuck(query: StuckQuery): Promise<OpenRunRow[]> {
    const ages = query.olderThanMs !== null ? [query.olderThanMs] : query.limits.map((limit) => limit.maxMs);
    const loosest = new Date(query.now.getTime() - Math.min(...ages));
    return this.dataSource.query<OpenRunRow[]>(
      `WITH limits (flow, event_type, max_ms) AS (
         SELECT * FROM unnest($4::text[], $5::text[], $6::bigint[])
       )
       SELECT s.customer_id, s.flow, s.trace_id, s.last_event_type, s.last_status, s.last_error_type,
              s.started_at, s.last_at
         FROM journey_states s
         LEFT JOIN limits stage ON stage.flow = s.flow AND stage.event_type = s.last_event_type
         LEFT JOIN limits fallback ON fallback.flow = s.flow AND fallback.event_type IS NULL
        WHERE s.company_id = $1 AND NOT s.terminal
          AND ($2::text IS NULL OR s.flow = $2)
          AND s.last_at < $3
          AND s.last_at < $7::timestamptz
                - make_interval(secs => COALESCE($8::bigint, stage.max_ms, fallback.max_ms, 0) / 1000.0)
          AND ($10::uuid IS NULL OR s.customer_id = $10)
        ORDER BY s.last_at, s.customer_id, s.flow, s.trace_id
        LIMIT $9`,
      [
        query.companyId,
        query.flow,
        loosest,
        query.limits.map((limit) => limit.flow),
        query.limits.map((limit) => limit.eventType),
        query.limits.map((limit) => limit.maxMs),
        query.now,
        query.olderThanMs,
        query.limit,
        query.customerId ?? null,
      ],
    );
  }

  /** One customer's newest `limit` events, newest first (the support console's customer page). */
  async recentEvents(companyId: string, customerId: string, limit: number): Promise<TimelineRow[]> {
    return this.dataSource.query<TimelineRow[]>(
      `SELECT e.id, e.seq::text AS seq, e.flow, e.trace_id, e.event_type, e.status, e.error_type, e.duration_ms,
              e.operation, e.fields, e.occurred_at, t.text AS override_text
         FROM journey_events e
         LEFT JOIN journey_response_templates t
           ON t.company_id = e.company_id AND t.error_type = COALESCE(e.error_type, 'system_error')
          AND e.status = 'error'
        WHERE e.company_id = $1 AND e.customer_id = $2
        ORDER BY e.occurred_at DESC, e.seq DESC
        LIMIT $3`,
      [companyId, customerId, limit],
    );
  }

  /** Error counts by customer and class since a time, most first (seed 000 "customers with errors"). */
  async errorCounts(query: {
    companyId: string;
    flow: JourneyFlow | null;
    since: Date;
    limit: number;
  }): Promise<ErrorCountRow[]> {
    return this.dataSource.query<ErrorCountRow[]>(
      `SELECT e.customer_id, e.error_type, count(*)::int AS count, max(e.occurred_at) AS last_at
         FROM journey_events e
        WHERE e.company_id = $1 AND e.status = 'error' AND e.occurred_at >= $2
          AND ($3::text IS NULL OR e.flow = $3)
        GROUP BY e.customer_id, e.error_type
        ORDER BY count DESC, last_at DESC, e.customer_id, e.error_type
        LIMIT $4`,
      [query.companyId, query.since, query.flow, query.limit],
    );
  }

  /** avg/max/count of durations by operation and time bin (seed 000 "performance by time period"). */
  async performance(query: {
    companyId: string;
    flow: JourneyFlow | null;
    since: Date;
    binSeconds: number;
  }): Promise<PerformanceRow[]> {
    return this.dataSource.query<PerformanceRow[]>(
      `SELECT date_bin(make_interval(secs => $3), e.occurred_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bin_start,
              COALESCE(e.operation, 'unknown') AS operation,
              avg(e.duration_ms)::float8 AS avg_ms, max(e.duration_ms)::float8 AS max_ms, count(*)::int AS count
         FROM journey_events e
        WHERE e.company_id = $1 AND e.duration_ms IS NOT NULL AND e.occurred_at >= $2
          AND ($4::text IS NULL OR e.flow = $4)
        GROUP BY 1, 2
        ORDER BY bin_start DESC, operation`,
      [query.companyId, query.since, query.binSeconds, query.flow],
    );
  }

  async templates(companyId: string): Promise<TemplateRow[]> {
    return this.dataSource.query<TemplateRow[]>(
      `SELECT error_type, text, updated_by, updated_at FROM journey_response_templates WHERE company_id = $1`,
      [companyId],
    );
  }

  async upsertTemplate(values: {
    companyId: string;
    errorType: JourneyErrorType;
    text: string;
    updatedBy: string;
    at: Date;
  }): Promise<TemplateRow> {
    const [row] = await this.dataSource.query<TemplateRow[]>(
      `INSERT INTO journey_response_templates (company_id, error_type, text, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (company_id, error_type) DO UPDATE
         SET text = EXCLUDED.text, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
       RETURNING error_type, text, updated_by, updated_at`,
      [values.companyId, values.errorType, values.text, values.updatedBy, values.at],
    );
    return row;
  }

  async deleteTemplate(companyId: string, errorType: JourneyErrorType): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM journey_response_templates WHERE company_id = $1 AND error_type = $2`,
      [companyId, errorType],
    );
  }
}
