import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AnalyticsGroupBy, AnalyticsRange } from './analytics-range';

/** One aggregate of the tickets created in the range: the whole range, a group or a bucket. */
export interface CohortRow {
  /** The group's key (null: tickets without one, e.g. unassigned); null too on the all-groups rows. */
  g: string | null;
  /** Bucket index; null on the all-buckets rows. */
  b: number | null;
  all_groups: number;
  all_buckets: number;
  tickets: number;
  responded: number;
  first_response_mean: number | null;
  /** [p50, p90] */
  first_response_pct: number[] | null;
  resolved: number;
  resolution_mean: number | null;
  resolution_pct: number[] | null;
  reopened: number;
  escalated: number;
}

/** One aggregate of the ratings given in the range. */
export interface CsatRow {
  g: string | null;
  b: number | null;
  all_groups: number;
  all_buckets: number;
  ratings: number;
  average: number | null;
  satisfied: number;
}

/**
 * The backlog's ingredients: `open`, the tickets of group `g` neither resolved nor closed now; `delta`,
 * the net change of the whole backlog (+1 created, -1 resolved or merged, +1 reopened) in bucket `b`
 * (null: after the range), counted from the end of the first bucket on; `after`, the net change of
 * group `g`'s backlog after the range.
 */
export interface BacklogRow {
  g: string | null;
  kind: 'open' | 'delta' | 'after';
  b: number | null;
  n: number;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Each grouping of the API, as a column of `tickets` and of `ticket_csat` (fixed text, never user input). */
const TICKET_GROUP_COLUMN: Record<AnalyticsGroupBy, string> = {
  department: 't.department',
  agent: 't.assignee_id',
  category: 't.category',
  priority: 't.priority',
};
const CSAT_GROUP_COLUMN: Record<AnalyticsGroupBy, string> = {
  department: 'r.department',
  agent: 'r.agent_id',
  category: 'r.category',
  priority: 'r.priority',
};

/** The bucket of a timestamp: whole steps since `from` ($2); $4 is the step in seconds (the whole range without an interval). */
const bucketOf = (column: string) => `floor(date_part('epoch', ${column} - $2::timestamptz) / $4)::int`;

/**
 * The history entries analytics reads. Each predicate is, word for word, the WHERE of a partial index of
 * migration 1763800014000, so each kind is read from a small index (with the ticket id) and never by
 * parsing every entry's jsonb.
 */
const RESOLVED = `h.action = 'status_changed' AND h.changes #>> '{status,after}' = 'resolved'`;
const REOPENED = `h.action = 'status_changed' AND h.changes #>> '{status,before}' = 'resolved' AND h.changes #>> '{status,after}' = 'open'`;

/** GROUP BY GROUPING SETS for what was asked: always the whole range, then the groups, the buckets. */
function groupingSets(grouped: boolean, bucketed: boolean): { sets: string; keys: string } {
  const sets = ['()'];
  if (grouped) sets.push('(g)');
  if (bucketed) sets.push('(b)');
  return {
    sets: `GROUPING SETS (${sets.join(', ')})`,
    keys: [
      grouped ? 'g, GROUPING(g) AS all_groups' : 'NULL::text AS g, 1 AS all_groups',
      bucketed ? 'b, GROUPING(b) AS all_buckets' : 'NULL::int AS b, 1 AS all_buckets',
    ].join(', '),
  };
}

const parameters = (companyId: string, range: AnalyticsRange): unknown[] => [
  companyId,
  range.from.toISOString(),
  range.to.toISOString(),
  range.stepSeconds,
];

/**
 * Tickets created in [from, to) (merged duplicates left out), each with what its history says: its
 * first resolution (the first status change to `resolved`), whether it was ever reopened (resolved →
 * open) or escalated. History entries dated before the ticket's creation (moved in from an older
 * duplicate by a merge) are ignored: the per-ticket extremes are checked against `created_at`, and in
 * the rare case a resolution predates it, the ticket's own first one is looked up. First response is
 * `first_response_at`, written once by the first public staff reply.
 */
export function cohortStatement(
  companyId: string,
  range: AnalyticsRange,
  groupBy: AnalyticsGroupBy | null,
): Statement {
  const { sets, keys } = groupingSets(groupBy !== null, range.interval !== null);
  const since = `h.company_id = $1 AND h.occurred_at >= $2`;
  const text = `
    WITH resolutions AS (
      SELECT h.ticket_id, min(h.occurred_at) AS first_at FROM ticket_history h
       WHERE ${since} AND ${RESOLVED} GROUP BY h.ticket_id
    ),
    reopens AS (
      SELECT h.ticket_id, max(h.occurred_at) AS last_at FROM ticket_history h
       WHERE ${since} AND ${REOPENED} GROUP BY h.ticket_id
    ),
    escalations AS (
      SELECT h.ticket_id, max(h.occurred_at) AS last_at FROM ticket_history h
       WHERE ${since} AND h.action = 'escalated' GROUP BY h.ticket_id
    ),
    measured AS (
      SELECT ${groupBy ? TICKET_GROUP_COLUMN[groupBy] : 'NULL::text'} AS g, ${bucketOf('t.created_at')} AS b,
             date_part('epoch', t.first_response_at - t.created_at) AS first_response_s,
             date_part('epoch', CASE
               WHEN r.first_at >= t.created_at THEN r.first_at
               WHEN r.first_at IS NOT NULL THEN (
                 SELECT min(h.occurred_at) FROM ticket_history h
                  WHERE h.company_id = $1 AND h.ticket_id = t.id AND ${RESOLVED} AND h.occurred_at >= t.created_at)
             END - t.created_at) AS resolution_s,
             coalesce(o.last_at >= t.created_at, false) AS reopened,
             coalesce(e.last_at >= t.created_at, false) AS escalated
        FROM tickets t
        LEFT JOIN resolutions r ON r.ticket_id = t.id
        LEFT JOIN reopens o ON o.ticket_id = t.id
        LEFT JOIN escalations e ON e.ticket_id = t.id
       WHERE t.company_id = $1 AND t.created_at >= $2 AND t.created_at < $3 AND t.merged_into_id IS NULL
    )
    SELECT ${keys},
           count(*)::int AS tickets,
           count(first_response_s)::int AS responded,
           avg(first_response_s) AS first_response_mean,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY first_response_s) AS first_response_pct,
           count(resolution_s)::int AS resolved,
           avg(resolution_s) AS resolution_mean,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY resolution_s) AS resolution_pct,
           count(*) FILTER (WHERE reopened)::int AS reopened,
           count(*) FILTER (WHERE escalated)::int AS escalated
      FROM measured
     GROUP BY ${sets}`;
  return { text, values: parameters(companyId, range) };
}

/** Ratings given in [from, to), by the group the rating recorded (agent, department, … at rating time). */
export function csatStatement(
  companyId: string,
  range: AnalyticsRange,
  groupBy: AnalyticsGroupBy | null,
): Statement {
  const { sets, keys } = groupingSets(groupBy !== null, range.interval !== null);
  const text = `
    SELECT ${keys}, count(*)::int AS ratings, avg(rating)::float8 AS average,
           count(*) FILTER (WHERE rating >= 4)::int AS satisfied
      FROM (SELECT ${groupBy ? CSAT_GROUP_COLUMN[groupBy] : 'NULL::text'} AS g, ${bucketOf('r.rated_at')} AS b, r.rating
              FROM ticket_csat r
             WHERE r.company_id = $1 AND r.rated_at >= $2 AND r.rated_at < $3) rated
     GROUP BY ${sets}`;
  return { text, values: parameters(companyId, range) };
}

/**
 * The backlog at the end of every bucket, anchored on the present: the tickets open now, minus every
 * change to the backlog since that end: +1 for a ticket created, -1 for a resolution, +1 for a reopen
 * (resolved → open), -1 for the merge of an unresolved duplicate. These are the only ways in and out of
 * "resolved or closed" (ticket-status.ts: closed is reached from resolved or by a merge, resolved is
 * left only for open or closed). The whole backlog is read per bucket from the end of the first bucket
 * ($5) on; a group's only at the end of the range (changes after `to`, usually few), which is all the
 * answer shows per group. One statement, so all parts see one snapshot. Tickets group by their current
 * department, assignee, category and priority.
 */
export function backlogStatement(
  companyId: string,
  range: AnalyticsRange,
  groupBy: AnalyticsGroupBy | null,
): Statement {
  const g = groupBy ? TICKET_GROUP_COLUMN[groupBy] : 'NULL::text';
  const firstBucketEnd = new Date(
    Math.min(range.from.getTime() + range.stepSeconds * 1000, range.to.getTime()),
  ).toISOString();
  /** Changes since `param`: tickets created, resolutions, reopens and merges of unresolved tickets. */
  const changesSince = (param: string, grouped: boolean) => {
    const since = `h.company_id = $1 AND h.occurred_at >= ${param}`;
    const ticket = grouped ? 'JOIN tickets t ON t.id = h.ticket_id AND t.company_id = $1' : '';
    const group = grouped ? g : 'NULL::text';
    return `
      SELECT ${group} AS g, t.created_at AS at, 1 AS d FROM tickets t WHERE t.company_id = $1 AND t.created_at >= ${param}
      UNION ALL
      SELECT ${group}, h.occurred_at, -1 FROM ticket_history h ${ticket} WHERE ${since} AND ${RESOLVED}
      UNION ALL
      SELECT ${group}, h.occurred_at, 1 FROM ticket_history h ${ticket} WHERE ${since} AND ${REOPENED}
      UNION ALL
      SELECT ${group}, h.occurred_at, -1 FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id AND t.company_id = $1
       WHERE ${since} AND h.action = 'merged' AND t.resolved_at IS NULL`;
  };
  const text = `
    SELECT ${g} AS g, 'open' AS kind, NULL::int AS b, count(*)::int AS n
      FROM tickets t
     WHERE t.company_id = $1 AND t.status NOT IN ('resolved', 'closed')
     GROUP BY 1
    UNION ALL
    SELECT NULL, 'delta', CASE WHEN at >= $3 THEN NULL ELSE ${bucketOf('at')} END, sum(d)::int
      FROM (${changesSince('$5', false)}) changes
     GROUP BY 3
    HAVING sum(d) <> 0
    ${
      groupBy
        ? `UNION ALL
    SELECT g, 'after', NULL, sum(d)::int FROM (${changesSince('$3', true)}) changes GROUP BY 1 HAVING sum(d) <> 0`
        : ''
    }`;
  return { text, values: [...parameters(companyId, range), firstBucketEnd] };
}

/**
 * Run before each statement, in its transaction: no JIT (compiling these plans costs more than it
 * saves: it added 0.7 s to a 100,000-ticket report when the planner overestimated a join), and room
 * for the per-ticket hash tables and sorts of a large company in memory.
 */
export const STATEMENT_SETTINGS = `SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)`;

/** The reads of support analytics: a few set-based statements over the tickets, their history and ratings. */
@Injectable()
export class SupportAnalyticsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  cohort(companyId: string, range: AnalyticsRange, groupBy: AnalyticsGroupBy | null): Promise<CohortRow[]> {
    return this.run(cohortStatement(companyId, range, groupBy));
  }

  csat(companyId: string, range: AnalyticsRange, groupBy: AnalyticsGroupBy | null): Promise<CsatRow[]> {
    return this.run(csatStatement(companyId, range, groupBy));
  }

  backlog(companyId: string, range: AnalyticsRange, groupBy: AnalyticsGroupBy | null): Promise<BacklogRow[]> {
    return this.run(backlogStatement(companyId, range, groupBy));
  }

  private run<T>({ text, values }: Statement): Promise<T[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(STATEMENT_SETTINGS);
      return manager.query<T[]>(text, values);
    });
  }
}
