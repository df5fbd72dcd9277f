import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Figures } from '../src/modules/tickets/analytics/analytics-report';
import { startTestApp, TestApp } from './support/app';

/**
 * Support analytics on a fixed data set written straight into the tables, with every expected figure
 * worked out by hand below (never by running the same SQL).
 *
 * Range: [2026-03-02, 2026-03-16), two weeks from a Monday: W1 = [03-02, 03-09), W2 = [03-09, 03-16).
 *
 * 240 "core" tickets, j = 1 … 240:
 * - department billing (j ≤ 80), technical (81 … 160), accounts (161 … 240);
 * - assignee: billing a1 (odd j) / a2 (even j), technical a3, accounts a4 (j ≤ 200) / a1 (j > 200);
 * - category: billing dept billing (odd) / payments (even), technical dept technical / connectivity, accounts account;
 * - priority: low, normal, high, urgent for j mod 4 = 0, 1, 2, 3;
 * - created in W1 (odd j) or W2 (even j), on day (i mod 4) of the week where i = ⌊(j-1)/2⌋, at hour 5j mod 24
 *   (so round the clock, inside and outside business hours: durations are wall-clock);
 * - first public reply 60·j s after creation (1 … 240 minutes);
 * - first resolution 900·j s after creation (15 min … 60 h): always inside the ticket's own week;
 * - reopened 1 h after that when j is a multiple of 15 (resolved again 1 h later, except multiples of 30,
 *   which stay open), and j = 2 is reopened on 03-20, after the range, and stays open;
 * - closed 1 h after resolving when j mod 5 = 1; an open → pending → open detour before resolving when
 *   j mod 6 = 0 (no effect on any figure); internal notes;
 * - escalated 30 min after creation when j > 80 and j is a multiple of 7 (23 tickets), and again (level 2)
 *   when a multiple of 14: a ticket counts once however many times it escalated;
 * - rated 30 min after the first resolution when j mod 4 is 2 or 3 (120 ratings, in the ticket's week):
 *   billing 5 (j mod 4 = 3) or 4; technical (j mod 5) + 1; accounts 1 (j mod 4 = 3) or 2.
 *
 * Arithmetic progressions keep the statistics exact: for a, a+d, …, a+(n-1)d, the mean and the median are
 * a + d(n-1)/2 and percentile_cont(0.9) is a + 0.9·d(n-1).
 *
 * Extras:
 * - six open tickets nobody answered, created Saturday 18:00 of each week, one per department (unassigned,
 *   category other, priority normal);
 * - a duplicate created 03-02 03:00 and merged into core j = 1 (created 05:00) on 03-10: not counted, but in
 *   the backlog until merged; the history moved with it (submitted, an escalation at 04:00) predates j = 1
 *   and is ignored; another, resolved on 03-02 04:30 and merged on 03-04 into core j = 3 (created 03-03):
 *   its resolution, moved into j = 3's history, is not j = 3's first;
 * - older tickets: old0 (created 02-20, resolved, reopened, resolved again before the range; rated 1 at
 *   03-01 23:59:59, outside, and 5 at exactly 03-02 00:00, inside), old1 and old2 (created 02-23, resolved
 *   in W1), old3 (resolved in W2, rated 1 at exactly 03-16 00:00, outside), old4 (technical, a3, still open);
 * - after the range: three tickets created 03-17, one resolved 03-18;
 * - another company's tickets in the range (all escalated, rated 1, open).
 */

const FROM = '2026-03-02T00:00:00.000Z';
const TO = '2026-03-16T00:00:00.000Z';
const W2 = '2026-03-09T00:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface TicketSeed {
  id: string;
  company_id: string;
  ticket_number: string;
  category: string;
  department: string;
  priority: string;
  status: string;
  assignee_id: string | null;
  escalation_level: number;
  first_response_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  merged_into_id: string | null;
  created_at: Date;
}
interface HistorySeed {
  ticket_id: string;
  actor_id: string | null;
  action: string;
  changes: Record<string, unknown>;
  occurred_at: Date;
}
interface RatingSeed {
  ticket_id: string;
  rating: number;
  resolved_at: Date;
  rated_at: Date;
}

/** The data set of one company, built the way the service would have written it. */
class DataSet {
  readonly tickets: TicketSeed[] = [];
  readonly history: HistorySeed[] = [];
  readonly ratings: RatingSeed[] = [];

  constructor(readonly companyId: string) {}

  ticket(fields: Partial<TicketSeed> & Pick<TicketSeed, 'department' | 'created_at'>): TicketSeed {
    const ticket: TicketSeed = {
      id: randomUUID(),
      company_id: this.companyId,
      ticket_number: `TKT-${this.tickets.length + 1}`,
      category: 'other',
      priority: 'normal',
      status: 'open',
      assignee_id: null,
      escalation_level: 0,
      first_response_at: null,
      resolved_at: null,
      closed_at: null,
      merged_into_id: null,
      ...fields,
    };
    this.tickets.push(ticket);
    this.event(ticket, 'submitted', { category: ticket.category }, ticket.created_at, null);
    this.event(ticket, 'routed', { department: ticket.department }, ticket.created_at, null);
    return ticket;
  }

  event(
    ticket: TicketSeed,
    action: string,
    changes: Record<string, unknown>,
    at: Date,
    actor = ticket.assignee_id,
  ): void {
    this.history.push({ ticket_id: ticket.id, actor_id: actor, action, changes, occurred_at: at });
  }

  status(ticket: TicketSeed, before: string, after: string, at: Date): void {
    this.event(ticket, 'status_changed', { status: { before, after } }, at);
  }

  rate(ticket: TicketSeed, rating: number, resolvedAt: Date, ratedAt: Date): void {
    this.ratings.push({ ticket_id: ticket.id, rating, resolved_at: resolvedAt, rated_at: ratedAt });
  }
}

const at = (iso: string, plusMs = 0) => new Date(new Date(iso).getTime() + plusMs);

function coreTickets(set: DataSet): Map<number, TicketSeed> {
  const core = new Map<number, TicketSeed>();
  for (let j = 1; j <= 240; j += 1) {
    const odd = j % 2 === 1;
    const department = j <= 80 ? 'billing' : j <= 160 ? 'technical' : 'accounts';
    const assignee =
      department === 'billing'
        ? odd
          ? 'a1'
          : 'a2'
        : department === 'technical'
          ? 'a3'
          : j <= 200
            ? 'a4'
            : 'a1';
    const category =
      department === 'billing'
        ? odd
          ? 'billing'
          : 'payments'
        : department === 'technical'
          ? odd
            ? 'technical'
            : 'connectivity'
          : 'account';
    const i = Math.floor((j - 1) / 2);
    const created = at(odd ? FROM : W2, (i % 4) * DAY + ((5 * j) % 24) * HOUR);
    const responded = at(created.toISOString(), 60_000 * j);
    const resolved = at(created.toISOString(), 900_000 * j);
    const staysOpen = j % 30 === 0 || j === 2;
    const closed = j % 5 === 1;
    const escalations = j > 80 && j % 7 === 0 ? (j % 14 === 0 ? 2 : 1) : 0;
    const ticket = set.ticket({
      department,
      category,
      priority: ['low', 'normal', 'high', 'urgent'][j % 4],
      assignee_id: assignee,
      created_at: created,
      first_response_at: responded,
      status: staysOpen ? 'open' : closed ? 'closed' : 'resolved',
      resolved_at: staysOpen ? null : j % 15 === 0 ? at(resolved.toISOString(), 2 * HOUR) : resolved,
      closed_at: closed ? at(resolved.toISOString(), HOUR) : null,
      escalation_level: escalations,
    });
    core.set(j, ticket);
    set.event(ticket, 'assigned', { assignee_id: { before: null, after: assignee } }, created);
    if (j % 6 === 0) {
      set.status(ticket, 'open', 'pending', at(created.toISOString(), 30_000));
      set.status(ticket, 'pending', 'open', at(created.toISOString(), 45_000));
    }
    if (j % 3 === 0) set.event(ticket, 'note_added', { comment_id: randomUUID() }, responded);
    set.event(ticket, 'comment_added', { comment_id: randomUUID() }, responded);
    if (escalations >= 1) {
      set.event(
        ticket,
        'escalated',
        { escalation_level: { before: 0, after: 1 }, reason: 'first_response_breached' },
        at(created.toISOString(), 30 * 60_000),
        null,
      );
    }
    if (escalations === 2) {
      set.event(
        ticket,
        'escalated',
        { escalation_level: { before: 1, after: 2 }, reason: 'first_response_breached' },
        at(created.toISOString(), 90 * 60_000),
        null,
      );
    }
    set.status(ticket, 'open', 'resolved', resolved);
    if (closed) set.status(ticket, 'resolved', 'closed', at(resolved.toISOString(), HOUR));
    if (j % 15 === 0) {
      set.status(ticket, 'resolved', 'open', at(resolved.toISOString(), HOUR));
      if (!staysOpen) set.status(ticket, 'open', 'resolved', at(resolved.toISOString(), 2 * HOUR));
    }
    if (j === 2) set.status(ticket, 'resolved', 'open', at('2026-03-20T10:00:00Z'));
    if (j % 4 === 2 || j % 4 === 3) {
      const rating =
        department === 'billing'
          ? j % 4 === 3
            ? 5
            : 4
          : department === 'technical'
            ? (j % 5) + 1
            : j % 4 === 3
              ? 1
              : 2;
      set.rate(ticket, rating, resolved, at(resolved.toISOString(), 30 * 60_000));
    }
  }
  return core;
}

function extraTickets(set: DataSet, core: Map<number, TicketSeed>): void {
  // Nobody answered these yet.
  for (const week of [FROM, W2]) {
    for (const department of ['billing', 'technical', 'accounts']) {
      set.ticket({ department, created_at: at(week, 5 * DAY + 18 * HOUR) });
    }
  }
  // A duplicate merged into core j = 1; its thread (with an escalation) moved to j = 1 before j = 1 existed.
  const target = core.get(1)!;
  const duplicate = set.ticket({
    department: 'billing',
    category: 'billing',
    created_at: at('2026-03-02T03:00:00Z'),
    first_response_at: at('2026-03-02T03:30:00Z'),
    status: 'closed',
    closed_at: at('2026-03-10T06:00:00Z'),
    merged_into_id: target.id,
  });
  for (const entry of set.history.filter((h) => h.ticket_id === duplicate.id)) entry.ticket_id = target.id;
  set.event(
    target,
    'escalated',
    { escalation_level: { before: 0, after: 1 } },
    at('2026-03-02T04:00:00Z'),
    null,
  );
  const merge = { merged: { from: duplicate.ticket_number, into: target.ticket_number } };
  set.event(target, 'merged_in', merge, at('2026-03-10T06:00:00Z'), 'a1');
  set.event(duplicate, 'merged', merge, at('2026-03-10T06:00:00Z'), 'a1');

  // A duplicate resolved on 03-02, before core j = 3 existed, then merged into it on 03-04: its
  // resolution moved into j = 3's history and must not count as j = 3's first resolution.
  const target3 = core.get(3)!;
  const resolvedDuplicate = set.ticket({
    department: 'billing',
    category: 'billing',
    created_at: at('2026-03-02T03:10:00Z'),
    status: 'closed',
    resolved_at: at('2026-03-02T04:30:00Z'),
    closed_at: at('2026-03-04T10:00:00Z'),
    merged_into_id: target3.id,
  });
  set.status(resolvedDuplicate, 'open', 'resolved', at('2026-03-02T04:30:00Z'));
  for (const entry of set.history.filter((h) => h.ticket_id === resolvedDuplicate.id)) {
    entry.ticket_id = target3.id;
  }
  const merge3 = { merged: { from: resolvedDuplicate.ticket_number, into: target3.ticket_number } };
  set.event(target3, 'merged_in', merge3, at('2026-03-04T10:00:00Z'), 'a1');
  set.event(resolvedDuplicate, 'merged', merge3, at('2026-03-04T10:00:00Z'), 'a1');

  // Older tickets.
  const old0 = set.ticket({
    department: 'billing',
    category: 'billing',
    created_at: at('2026-02-20T09:00:00Z'),
    status: 'resolved',
    resolved_at: at('2026-02-28T12:00:00Z'),
  });
  set.status(old0, 'open', 'resolved', at('2026-02-27T09:00:00Z'));
  set.status(old0, 'resolved', 'open', at('2026-02-28T09:00:00Z'));
  set.status(old0, 'open', 'resolved', at('2026-02-28T12:00:00Z'));
  set.rate(old0, 1, at('2026-02-27T09:00:00Z'), at('2026-03-01T23:59:59Z'));
  set.rate(old0, 5, at('2026-02-28T12:00:00Z'), at(FROM));
  const resolvedOld = (department: string, category: string, resolvedAt: string) => {
    const ticket = set.ticket({
      department,
      category,
      created_at: at('2026-02-23T09:00:00Z'),
      status: 'resolved',
      resolved_at: at(resolvedAt),
    });
    set.status(ticket, 'open', 'resolved', at(resolvedAt));
    return ticket;
  };
  resolvedOld('billing', 'billing', '2026-03-02T10:00:00Z');
  resolvedOld('billing', 'billing', '2026-03-04T10:00:00Z');
  const old3 = resolvedOld('accounts', 'account', '2026-03-10T10:00:00Z');
  set.rate(old3, 1, at('2026-03-10T10:00:00Z'), at(TO));
  set.ticket({
    department: 'technical',
    category: 'technical',
    assignee_id: 'a3',
    created_at: at('2026-02-23T09:00:00Z'),
  });

  // After the range.
  set.ticket({ department: 'billing', created_at: at('2026-03-17T09:00:00Z') });
  set.ticket({ department: 'technical', created_at: at('2026-03-17T10:00:00Z') });
  const later = set.ticket({
    department: 'accounts',
    created_at: at('2026-03-17T11:00:00Z'),
    status: 'resolved',
    resolved_at: at('2026-03-18T09:00:00Z'),
  });
  set.status(later, 'open', 'resolved', at('2026-03-18T09:00:00Z'));
}

/** The figures of a slice in one line: counts, values and verdicts. */
const brief = (f: Figures) => ({
  tickets: f.tickets,
  first_response: [
    f.first_response_seconds.count,
    f.first_response_seconds.mean.value,
    f.first_response_seconds.p50.value,
    f.first_response_seconds.p90.value,
  ],
  first_response_met: [
    f.first_response_seconds.mean.met,
    f.first_response_seconds.p50.met,
    f.first_response_seconds.p90.met,
  ],
  resolution: [
    f.resolution_seconds.count,
    f.resolution_seconds.mean.value,
    f.resolution_seconds.p50.value,
    f.resolution_seconds.p90.value,
  ],
  resolution_met: [f.resolution_seconds.mean.met, f.resolution_seconds.p50.met, f.resolution_seconds.p90.met],
  csat: [f.csat.ratings, f.csat.average, f.csat.satisfied_share.value, f.csat.satisfied_share.met],
  escalation: [f.escalation.escalated, f.escalation.rate.value, f.escalation.rate.met],
  reopen: [f.reopen.reopened, f.reopen.resolved, f.reopen.rate],
  backlog: f.backlog,
});

const MISSED = [false, false, false];
const MET = [true, true, true];

describe('Support analytics (GET /v1/support/analytics)', () => {
  let t: TestApp;
  const companyId = randomUUID();
  const otherCompanyId = randomUUID();
  let viewer: string;

  const analytics = (query: Record<string, string>, token = viewer) =>
    request(t.url).get('/v1/support/analytics').query(query).set('authorization', `Bearer ${token}`);

  async function insert(set: DataSet): Promise<void> {
    const chunks = <T>(rows: T[]) =>
      Array.from({ length: Math.ceil(rows.length / 500) }, (_, k) => rows.slice(k * 500, k * 500 + 500));
    const write = async (table: string, columns: string[], rows: unknown[][]) => {
      for (const chunk of chunks(rows)) {
        const values = chunk.flat();
        const tuples = chunk.map(
          (_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
        );
        await t.db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
    };
    await write(
      'tickets',
      [
        'id',
        'company_id',
        'ticket_number',
        'requester_name',
        'subject',
        'description',
        'category',
        'department',
        'priority',
        'status',
        'assignee_id',
        'escalation_level',
        'channel',
        'first_response_at',
        'resolved_at',
        'closed_at',
        'merged_into_id',
        'created_at',
        'updated_at',
      ],
      set.tickets.map((x) => [
        x.id,
        x.company_id,
        x.ticket_number,
        'Requester',
        'Subject',
        'Description',
        x.category,
        x.department,
        x.priority,
        x.status,
        x.assignee_id,
        x.escalation_level,
        'web',
        x.first_response_at,
        x.resolved_at,
        x.closed_at,
        x.merged_into_id,
        x.created_at,
        x.created_at,
      ]),
    );
    await write(
      'ticket_history',
      ['company_id', 'ticket_id', 'actor_id', 'action', 'changes', 'occurred_at'],
      set.history.map((h) => [
        set.companyId,
        h.ticket_id,
        h.actor_id,
        h.action,
        JSON.stringify(h.changes),
        h.occurred_at,
      ]),
    );
    const byId = new Map(set.tickets.map((x) => [x.id, x]));
    for (const rating of set.ratings) {
      const ticket = byId.get(rating.ticket_id)!;
      const { rows } = await t.db.query<{ id: string }>(
        `INSERT INTO ticket_resolution_requests (company_id, ticket_id, resolved_at, expires_at, used_at, outcome, created_at)
         VALUES ($1, $2, $3, $3::timestamptz + interval '7 days', $4, 'confirmed', $3) RETURNING id`,
        [set.companyId, ticket.id, rating.resolved_at, rating.rated_at],
      );
      await t.db.query(
        `INSERT INTO ticket_csat (company_id, ticket_id, request_id, rating, agent_id, department, category, priority, rated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          set.companyId,
          ticket.id,
          rows[0].id,
          rating.rating,
          ticket.assignee_id,
          ticket.department,
          ticket.category,
          ticket.priority,
          rating.rated_at,
        ],
      );
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    viewer = await t.token({ companyId, roles: ['viewer'] });
    const set = new DataSet(companyId);
    extraTickets(set, coreTickets(set));
    await insert(set);
    // Another tenant, inside the range: five open, escalated tickets rated 1. Never in the figures above.
    const other = new DataSet(otherCompanyId);
    for (let k = 0; k < 5; k += 1) {
      const ticket = other.ticket({
        department: 'billing',
        assignee_id: 'a1',
        created_at: at('2026-03-03T10:00:00Z', k * HOUR),
        escalation_level: 1,
      });
      other.event(
        ticket,
        'escalated',
        { escalation_level: { before: 0, after: 1 } },
        at('2026-03-04T10:00:00Z'),
      );
      other.rate(ticket, 1, at('2026-03-04T10:00:00Z'), at('2026-03-05T10:00:00Z'));
    }
    await insert(other);
    expect(set.tickets.length).toBeGreaterThanOrEqual(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('computes the company figures of the range beside the seed 004 targets', async () => {
    const { body } = await analytics({ from: FROM, to: TO }).expect(200);
    expect(body).toMatchObject({
      from: FROM,
      to: TO,
      group_by: null,
      interval: null,
      groups: null,
      buckets: null,
    });
    // 240 core + 6 unanswered; the merged duplicate and tickets outside the range do not count.
    expect(brief(body.overall)).toEqual({
      tickets: 246,
      // 60·j for j = 1 … 240: mean = median = 60·120.5; p90 = 60 + 0.9·60·239.
      first_response: [240, 7230, 7230, 12966],
      first_response_met: MISSED, // 7230 s is over 2 h
      // 900·j: mean = median = 900·120.5; p90 = 900 + 0.9·900·239.
      resolution: [240, 108450, 108450, 194490],
      resolution_met: MISSED,
      // Ratings dated in the range: 120 core (billing 20×5 + 20×4, technical 8 of each 1…5, accounts
      // 20×1 + 20×2) and old0's 5 at exactly 03-02 00:00: sum 180 + 120 + 60 + 5 = 365 over 121;
      // satisfied (4 or 5) 40 + 16 + 0 + 1 = 57.
      csat: [121, 3.0165, 0.4711, false],
      // 23 escalated core tickets (j = 1's moved-in escalation predates it) over 246.
      escalation: [23, 0.0935, true],
      // 16 multiples of 15 and j = 2 (reopened after the range) over 240 resolved.
      reopen: [17, 240, 0.0708],
      // At 03-16: 8 reopened multiples of 30, 6 unanswered, old4.
      backlog: 15,
    });
    expect(body.overall.first_response_seconds.mean).toEqual({ value: 7230, target: 7200, met: false });
    expect(body.overall.resolution_seconds.p50).toEqual({ value: 108450, target: 86400, met: false });
    expect(body.overall.csat.satisfied_share).toEqual({ value: 0.4711, target: 0.9, met: false });
    expect(body.overall.escalation.rate).toEqual({ value: 0.0935, target: 0.1, met: true });
  });

  it('splits by week and by department', async () => {
    const { body } = await analytics({ from: FROM, to: TO, group_by: 'department', interval: 'week' }).expect(
      200,
    );
    expect(body.overall.tickets).toBe(246);
    expect(body.overall.backlog).toBe(15);

    // Weeks: W1 holds the odd j, W2 the even j (120 each, progressions of step 120 s and 1800 s).
    expect(body.buckets.map((b: { from: string; to: string }) => [b.from, b.to])).toEqual([
      [FROM, W2],
      [W2, TO],
    ]);
    expect(brief(body.buckets[0])).toEqual({
      tickets: 123,
      first_response: [120, 7200, 7200, 12912], // 60, 180, …, 14340: 60 + 0.9·120·119 = 12912
      first_response_met: MISSED, // exactly 2 h is not under 2 h
      resolution: [120, 108000, 108000, 193680],
      resolution_met: MISSED,
      // billing 20×5, technical 4 of each, accounts 20×1, old0's 5: 185 / 61; satisfied 20 + 8 + 1.
      csat: [61, 3.0328, 0.4754, false],
      escalation: [11, 0.0894, true], // technical 91 … 147 (5), accounts 161 … 231 (6), over 123
      reopen: [8, 120, 0.0667], // 15, 45, …, 225
      backlog: 6, // 3 unanswered, the duplicate (merged in W2), old3 (resolved in W2) and old4
    });
    expect(brief(body.buckets[1])).toEqual({
      tickets: 123,
      first_response: [120, 7260, 7260, 12972],
      first_response_met: MISSED,
      resolution: [120, 108900, 108900, 194580],
      resolution_met: MISSED,
      csat: [60, 3, 0.4667, false], // billing 20×4, technical 4 of each, accounts 20×2; old3's 5 at 03-16 is out
      escalation: [12, 0.0976, true],
      reopen: [9, 120, 0.075], // 30, 60, …, 240 and 2
      backlog: 15,
    });

    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['accounts', 'billing', 'technical']);
    const [accounts, billing, technical] = body.groups;
    expect(brief(billing)).toEqual({
      tickets: 82,
      first_response: [80, 2430, 2430, 4326], // 60 … 4800: 60 + 0.9·60·79 = 4326
      first_response_met: MET,
      resolution: [80, 36450, 36450, 64890],
      resolution_met: MET,
      csat: [41, 4.5122, 1, true], // 20×5 + 20×4 + old0's 5 = 185 / 41
      escalation: [0, 0, true],
      reopen: [6, 80, 0.075], // 15, 30, 45, 60, 75 and 2
      backlog: 4, // 30, 60 and two unanswered
    });
    expect(brief(technical)).toEqual({
      tickets: 82,
      first_response: [80, 7230, 7230, 9126], // 4860 … 9600
      first_response_met: MISSED,
      resolution: [80, 108450, 108450, 136890],
      resolution_met: MISSED,
      csat: [40, 3, 0.4, false],
      escalation: [11, 0.1341, false], // 84, 91, …, 154 over 82
      reopen: [5, 80, 0.0625], // 90, 105, 120, 135, 150
      backlog: 6, // 90, 120, 150, two unanswered, old4
    });
    expect(brief(accounts)).toEqual({
      tickets: 82,
      first_response: [80, 12030, 12030, 13926], // 9660 … 14400
      first_response_met: MISSED,
      resolution: [80, 180450, 180450, 208890],
      resolution_met: MISSED,
      csat: [40, 1.5, 0, false],
      escalation: [12, 0.1463, false], // 161, 168, …, 238
      reopen: [6, 80, 0.075], // 165, 180, 195, 210, 225, 240
      backlog: 5, // 180, 210, 240, two unanswered
    });
    expect(body.groups.every((g: object) => !('buckets' in g))).toBe(true);
  });

  it('splits by agent (assignee; ratings by the agent they rated), unassigned last', async () => {
    const { body } = await analytics({ from: FROM, to: TO, group_by: 'agent' }).expect(200);
    expect(body.buckets).toBeNull();
    const byKey = Object.fromEntries(body.groups.map((g: Figures & { key: string | null }) => [g.key, g]));
    expect(body.groups.map((g: { key: string | null }) => g.key)).toEqual(['a1', 'a2', 'a3', 'a4', null]);
    // a1: billing odd (40) and accounts 201 … 240 (40).
    expect(brief(byKey.a1)).toMatchObject({
      tickets: 80,
      csat: [40, 3.25, 0.5, false], // 20×5 + 10×1 + 10×2 = 130 / 40
      escalation: [6, 0.075, true], // 203, 210, …, 238
      reopen: [6, 80, 0.075], // 15, 45, 75, 210, 225, 240
      backlog: 2, // 210, 240
    });
    expect(brief(byKey.a2)).toEqual({
      tickets: 40,
      first_response: [40, 2460, 2460, 4332],
      first_response_met: MET,
      resolution: [40, 36900, 36900, 64980],
      resolution_met: MET,
      csat: [20, 4, 1, true],
      escalation: [0, 0, true],
      reopen: [3, 40, 0.075], // 2, 30, 60
      backlog: 2,
    });
    expect(brief(byKey.a3)).toMatchObject({
      tickets: 80,
      first_response: [80, 7230, 7230, 9126],
      escalation: [11, 0.1375, false],
      backlog: 4, // 90, 120, 150 and old4
    });
    expect(brief(byKey.a4)).toMatchObject({
      tickets: 40,
      csat: [20, 1.5, 0, false],
      escalation: [6, 0.15, false],
      reopen: [3, 40, 0.075],
      backlog: 1,
    });
    expect(brief(byKey.null)).toEqual({
      tickets: 6,
      first_response: [0, null, null, null],
      first_response_met: [null, null, null],
      resolution: [0, null, null, null],
      resolution_met: [null, null, null],
      csat: [1, 5, 1, true], // old0's rating names no agent
      escalation: [0, 0, true],
      reopen: [0, 0, null],
      backlog: 6,
    });
  });

  it('splits by priority and by category', async () => {
    const priority = (await analytics({ from: FROM, to: TO, group_by: 'priority' }).expect(200)).body;
    expect(
      priority.groups.map((g: Figures & { key: string }) => [
        g.key,
        g.tickets,
        g.escalation.escalated,
        g.escalation.rate.value,
        g.escalation.rate.met,
      ]),
    ).toEqual([
      ['high', 60, 6, 0.1, false], // exactly 10 % is not under 10 %
      ['low', 60, 6, 0.1, false],
      ['normal', 66, 5, 0.0758, true],
      ['urgent', 60, 6, 0.1, false],
    ]);
    // low: 240, 480, …, 14400 s.
    expect(brief(priority.groups[1]).first_response).toEqual([60, 7320, 7320, 12984]);

    const category = (await analytics({ from: FROM, to: TO, group_by: 'category' }).expect(200)).body;
    expect(category.groups.map((g: Figures & { key: string }) => [g.key, g.tickets, g.backlog])).toEqual([
      ['account', 80, 3],
      ['billing', 40, 0],
      ['connectivity', 40, 3],
      ['other', 6, 6],
      ['payments', 40, 2],
      ['technical', 40, 1],
    ]);
  });

  it('cuts the range into days, the backlog taken at each day end', async () => {
    const { body } = await analytics({ from: FROM, to: TO, interval: 'day' }).expect(200);
    expect(body.buckets).toHaveLength(14);
    expect(body.buckets[13]).toMatchObject({ from: '2026-03-15T00:00:00.000Z', to: TO });
    expect(body.buckets.map((b: Figures) => b.tickets)).toEqual([
      30, 30, 30, 30, 0, 3, 0, 30, 30, 30, 30, 0, 3, 0,
    ]);
    expect(body.buckets[6].backlog).toBe(6);
    expect(body.buckets[13].backlog).toBe(15);
    // Ratings on their day: old0 on day 0, then 30 min after each first resolution.
    expect(body.buckets.reduce((sum: number, b: Figures) => sum + b.csat.ratings, 0)).toBe(121);
  });

  it('shows another company only its own tickets, and customers nothing', async () => {
    const other = await t.token({ companyId: otherCompanyId, roles: ['manager'] });
    const { body } = await analytics({ from: FROM, to: TO }, other).expect(200);
    expect(brief(body.overall)).toMatchObject({
      tickets: 5,
      csat: [5, 1, 0, false],
      escalation: [5, 1, false],
      backlog: 5,
    });
    const customer = await t.token({ companyId, roles: ['customer'], customerId: randomUUID() });
    const forbidden = await analytics({ from: FROM, to: TO }, customer).expect(403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    await request(t.url).get('/v1/support/analytics').expect(401);
    for (const role of ['agent', 'manager', 'admin'] as const) {
      await analytics({ from: FROM, to: TO }, await t.token({ companyId, roles: [role] })).expect(200);
    }
  });

  it('defaults to the 30 days before now', async () => {
    const before = Date.now();
    const { body } = await analytics({}).expect(200);
    const to = new Date(body.to).getTime();
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to - new Date(body.from).getTime()).toBe(30 * DAY);
    expect(body.overall.tickets).toBe(0);
    expect(body.overall.first_response_seconds.mean).toEqual({ value: null, target: 7200, met: null });
    // Open now, so open at the end of the range: 8 reopened, j = 2, 6 unanswered, old4, 2 after the range.
    expect(body.overall.backlog).toBe(18);
  });

  it.each([
    [{ from: 'last monday' }, 'from'],
    [{ from: '2026-03-02T00:00:00' }, 'from'], // no offset
    [{ to: '2026-02-30' }, 'to'],
    [{ from: TO, to: FROM }, 'from'],
    [{ from: FROM, to: FROM }, 'from'],
    [{ from: '2025-01-01', to: '2026-03-01' }, 'to'], // over 366 days
    [{ from: FROM, to: TO, group_by: 'team' }, 'group_by'],
    [{ from: FROM, to: TO, interval: 'month' }, 'interval'],
    [{ from: FROM, to: TO, company_id: otherCompanyId }, 'company_id'], // the tenant comes from the token only
  ])('refuses %j with a 400 problem naming %s', async (query, field) => {
    const { body, headers } = await analytics(query as Record<string, string>).expect(400);
    expect(headers['content-type']).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 400, type: expect.stringContaining('validation-failed') });
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
