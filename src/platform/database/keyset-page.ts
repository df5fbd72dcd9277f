import type { KeysetPosition } from '../http/pagination';

export interface KeysetPageQuery {
  companyId: string;
  /** Column = value filters; an undefined value filters nothing. Column names are the caller's literals. */
  equals: Record<string, string | undefined>;
  /** The timestamp column the page is sorted on (newest first, then id). */
  sortedBy: string;
  limit: number;
  after?: KeysetPosition;
}

/**
 * WHERE, ORDER BY and LIMIT of a tenant's keyset page, newest first, with their parameters: one more
 * row than `limit` is asked for, so toPage can tell whether a next page exists.
 */
export function keysetPage(q: KeysetPageQuery): { clause: string; params: unknown[] } {
  const params: unknown[] = [q.companyId];
  const where = ['company_id = $1'];
  for (const [column, value] of Object.entries(q.equals)) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (q.after) {
    params.push(q.after.at, q.after.id);
    where.push(`(${q.sortedBy}, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(q.limit + 1);
  return {
    clause: `WHERE ${where.join(' AND ')} ORDER BY ${q.sortedBy} DESC, id DESC LIMIT $${params.length}`,
    params,
  };
}
