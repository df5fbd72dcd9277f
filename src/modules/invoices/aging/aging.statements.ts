import { AgingBasis, AgingPath, BUCKET_RANGES, bucketDateRanges, overdueStateSql } from './aging-definitions';

/** A parameterised statement: fixed text (nothing from a caller) and its values. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** Which receivables to age: a company's (or one customer's) as of a date on a basis. */
export interface AgingScope {
  companyId: string;
  /** YYYY-MM-DD */
  asOf: string;
  basis: AgingBasis;
  customerId?: string;
  path: AgingPath;
}

/** Keyset position in the per-customer rows, ordered by (customer_id, currency). */
export interface CustomerCurrencyKey {
  customerId: string;
  currency: string;
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The date column each basis ages from (fixed text). */
const BASIS_COLUMN: Record<AgingBasis, string> = { due_date: 'due_date', issue_date: 'issue_date' };

/** Bucket amount and count columns, in BUCKET_RANGES order, then the totals. */
export const AMOUNT_COLUMNS = BUCKET_RANGES.map((r) => `${r.column}_minor`);
export const COUNT_COLUMNS = BUCKET_RANGES.map((r) => `${r.column}_invoices`);
const ROW_COLUMNS = [...AMOUNT_COLUMNS, 'total_minor', ...COUNT_COLUMNS, 'invoices'];

/**
 * The per-(customer, currency) aggregates of rows with a basis `date`, an `amount` and, where rows
 * are not all whole invoices, a `count` column (else each row counts one). Each bucket is a range of
 * dates (bucketDateRanges) passed as parameters: comparing the stored date with constants is half the
 * cost of computing every row's age and bucket.
 */
function bucketAggregates(
  scope: AgingScope,
  p: Params,
  date: string,
  amount: string,
  count?: string,
): string {
  const filters = bucketDateRanges(scope.asOf).map((range) =>
    [
      range.from === null ? null : `${date} >= ${p.add(range.from)}::date`,
      range.to === null ? null : `${date} <= ${p.add(range.to)}::date`,
    ]
      .filter((part) => part !== null)
      .join(' AND '),
  );
  const counted = (filter: string) =>
    count === undefined
      ? `count(*) FILTER (WHERE ${filter})::int`
      : `coalesce(sum(${count}) FILTER (WHERE ${filter}), 0)::int`;
  return [
    ...BUCKET_RANGES.map(
      (r, k) => `coalesce(sum(${amount}) FILTER (WHERE ${filters[k]}), 0)::bigint AS ${r.column}_minor`,
    ),
    ...BUCKET_RANGES.map((r, k) => `${counted(filters[k])} AS ${r.column}_invoices`),
  ].join(',\n           ');
}

/** Every per-customer row's columns, in the order every UNION of them relies on. */
const PER_CUSTOMER_COLUMNS = ['customer_id', 'currency', ...ROW_COLUMNS].join(', ');
const bucketColumns = (alias: string) =>
  [...AMOUNT_COLUMNS, ...COUNT_COLUMNS].map((c) => `${alias}.${c}`).join(', ');

/** The totals of a row of bucket columns (the buckets tile every age, so they add up to the whole). */
const totalsOf = (alias: string) =>
  `${AMOUNT_COLUMNS.map((c) => `${alias}.${c}`).join(' + ')} AS total_minor, ` +
  `${COUNT_COLUMNS.map((c) => `${alias}.${c}`).join(' + ')} AS invoices`;

/**
 * The CTEs that end in `per_customer`: per (customer, currency), what was owed as of the date in each
 * bucket (amount and invoices) and in all.
 *
 * An invoice is owed as of D when it is not a draft, was issued on or before D, was not voided by the
 * end of D (UTC), and its total less the allocations dated on or before D is positive.
 *
 * - history path: every non-draft invoice issued by D, less its allocations up to D.
 * - ledger path (D close to today): the open invoices' current balances, aggregated alone so they are
 *   read index-only from the partial `invoices_open_by_customer` in (customer, currency) order; plus,
 *   aggregated apart and joined on, what changed after D: allocations dated after D (added back to open
 *   invoices; making paid invoices owed again) and invoices voided after D (at what they owed on D).
 */
function perCustomerCtes(scope: AgingScope, p: Params): string {
  const company = p.add(scope.companyId);
  const asOf = `${p.add(scope.asOf)}::date`;
  const col = BASIS_COLUMN[scope.basis];
  const customer = scope.customerId ? p.add(scope.customerId) : undefined;
  const invoiceCustomer = customer ? ` AND i.customer_id = ${customer}` : '';
  const allocationCustomer = customer ? ` AND a.customer_id = ${customer}` : '';
  const endOfDay = `((${asOf} + 1)::timestamp AT TIME ZONE 'UTC')`;
  if (scope.path === 'history') {
    return `
    per_customer AS MATERIALIZED (
      SELECT b.customer_id, b.currency, ${bucketColumns('b')}, ${totalsOf('b')}
        FROM (SELECT i.customer_id, i.currency,
                     ${bucketAggregates(scope, p, `i.${col}`, 'i.total_minor - coalesce(s.amount, 0)')}
                FROM invoices i
                LEFT JOIN (SELECT a.invoice_id, sum(a.amount_minor)::bigint AS amount FROM invoice_allocations a
                            WHERE a.company_id = ${company} AND a.allocated_on <= ${asOf}${allocationCustomer}
                            GROUP BY a.invoice_id) s ON s.invoice_id = i.id
               WHERE i.company_id = ${company} AND i.status <> 'draft' AND i.issue_date <= ${asOf}
                 AND (i.status <> 'void' OR i.voided_at >= ${endOfDay})
                 AND i.total_minor - coalesce(s.amount, 0) > 0${invoiceCustomer}
               GROUP BY i.customer_id, i.currency) b
    )`;
  }
  const sum = (column: string) => `coalesce(o.${column}, 0) + coalesce(u.${column}, 0) AS ${column}`;
  return `
    open_now AS (
      SELECT i.customer_id, i.currency,
             ${bucketAggregates(scope, p, `i.${col}`, 'i.balance_minor')}
        FROM invoices i
       WHERE i.company_id = ${company} AND i.status IN ('open', 'partially_paid') AND i.issue_date <= ${asOf}
         AND i.balance_minor > 0${invoiceCustomer}
       GROUP BY i.customer_id, i.currency
    ),
    undone AS (
      SELECT customer_id, currency, ${bucketAggregates(scope, p, 'd', 'amount', 'n')}
        FROM (SELECT i.customer_id, i.currency, i.${col} AS d, l.amount,
                     CASE WHEN i.status = 'paid' THEN 1 ELSE 0 END AS n
                FROM (SELECT a.invoice_id, sum(a.amount_minor)::bigint AS amount FROM invoice_allocations a
                       WHERE a.company_id = ${company} AND a.allocated_on > ${asOf}${allocationCustomer}
                       GROUP BY a.invoice_id) l
                JOIN invoices i ON i.id = l.invoice_id
               WHERE i.company_id = ${company} AND i.status IN ('open', 'partially_paid', 'paid')
                 AND i.issue_date <= ${asOf}${invoiceCustomer}
              UNION ALL
              SELECT i.customer_id, i.currency, i.${col},
                     i.total_minor - coalesce((SELECT sum(a.amount_minor)::bigint FROM invoice_allocations a
                                                WHERE a.invoice_id = i.id AND a.allocated_on <= ${asOf}), 0), 1
                FROM invoices i
               WHERE i.company_id = ${company} AND i.status = 'void' AND i.voided_at >= ${endOfDay}
                 AND i.issue_date <= ${asOf}${invoiceCustomer}) changed
       WHERE amount > 0
       GROUP BY customer_id, currency
    ),
    per_customer AS MATERIALIZED (
      SELECT b.customer_id, b.currency, ${bucketColumns('b')}, ${totalsOf('b')}
        FROM (SELECT coalesce(o.customer_id, u.customer_id) AS customer_id,
                     coalesce(o.currency, u.currency) AS currency,
                     ${[...AMOUNT_COLUMNS, ...COUNT_COLUMNS].map(sum).join(', ')}
                FROM open_now o FULL JOIN undone u ON u.customer_id = o.customer_id AND u.currency = o.currency) b
    )`;
}

/** Company totals per currency, summed from the per-customer rows. */
const currencyTotals = (from: string) => `
    SELECT NULL::uuid AS customer_id, currency,
           ${ROW_COLUMNS.map((c) => `sum(${c})::${c.endsWith('_minor') ? 'bigint' : 'int'} AS ${c}`).join(', ')}
      FROM ${from} GROUP BY currency`;

/**
 * The live aging report in one statement: the totals per currency (customer_id NULL) and one page of
 * per-customer rows in (customer_id, currency) order after `after`, `limit + 1` of them (the extra one
 * says there is a next page), with the customer's number and name.
 */
export function agingReportStatement(
  scope: AgingScope,
  page: { limit: number; after?: CustomerCurrencyKey },
): Statement {
  const p = new Params();
  const ctes = perCustomerCtes(scope, p);
  const company = '$1';
  const after = page.after
    ? `WHERE (customer_id, currency) > (${p.add(page.after.customerId)}::uuid, ${p.add(page.after.currency)}::char(3))`
    : '';
  const limit = p.add(page.limit + 1);
  const text = `
    WITH ${ctes}
    SELECT r.*, c.customer_number, c.name
      FROM (${currencyTotals('per_customer')}
            UNION ALL
            (SELECT ${PER_CUSTOMER_COLUMNS} FROM per_customer ${after} ORDER BY customer_id, currency LIMIT ${limit})) r
      LEFT JOIN customers c ON c.company_id = ${company} AND c.id = r.customer_id
     ORDER BY r.customer_id NULLS FIRST, r.currency`;
  return { text, values: p.values };
}

/**
 * A snapshot's rows in one INSERT … SELECT: per (customer, currency) and the company totals per
 * currency. A rerun inserts nothing (unique key). Answers how many rows, customers and invoices.
 */
export function snapshotInsertStatement(scope: AgingScope, snapshotId: string): Statement {
  const p = new Params();
  const ctes = perCustomerCtes(scope, p);
  const snapshot = p.add(snapshotId);
  const columns = ['customer_id', 'currency', ...ROW_COLUMNS];
  const text = `
    WITH ${ctes},
    inserted AS (
      INSERT INTO aging_snapshot_rows (company_id, snapshot_id, ${columns.join(', ')})
      SELECT $1, ${snapshot}, ${columns.join(', ')}
        FROM (SELECT ${PER_CUSTOMER_COLUMNS} FROM per_customer UNION ALL ${currencyTotals('per_customer')}) r
      ON CONFLICT DO NOTHING
      RETURNING customer_id, invoices
    )
    SELECT count(*)::int AS rows, count(DISTINCT customer_id)::int AS customers,
           coalesce(sum(invoices) FILTER (WHERE customer_id IS NULL), 0)::int AS invoices
      FROM inserted`;
  return { text, values: p.values };
}

/**
 * Every customer's overdue state as of `asOf`, all companies in one statement: the oldest past-due
 * open invoice per customer sets the state; customers whose stored state is not `current` and who no
 * longer have anything past due go back to `current`. `changed_at` moves only when the state changes.
 */
export function overdueStatesStatement(asOf: string, now: Date): Statement {
  const p = new Params();
  const day = `${p.add(asOf)}::date`;
  const at = `${p.add(now.toISOString())}::timestamptz`;
  const text = `
    WITH oldest AS (
      SELECT company_id, customer_id, min(due_date) AS oldest_due_date
        FROM invoices
       WHERE status IN ('open', 'partially_paid') AND balance_minor > 0 AND due_date < ${day}
       GROUP BY company_id, customer_id
    ),
    target AS (
      SELECT company_id, customer_id, oldest_due_date, ${day} - oldest_due_date AS days FROM oldest
      UNION ALL
      SELECT s.company_id, s.customer_id, NULL::date, NULL::int
        FROM customer_overdue_states s
       WHERE s.state <> 'current'
         AND NOT EXISTS (SELECT 1 FROM oldest o WHERE o.company_id = s.company_id AND o.customer_id = s.customer_id)
    )
    INSERT INTO customer_overdue_states AS s
           (company_id, customer_id, state, oldest_due_date, days_past_due, as_of, changed_at, computed_at)
    SELECT company_id, customer_id, ${overdueStateSql('days')}, oldest_due_date, days, ${day}, ${at}, ${at}
      FROM target
    ON CONFLICT (company_id, customer_id) DO UPDATE
       SET state = EXCLUDED.state, oldest_due_date = EXCLUDED.oldest_due_date,
           days_past_due = EXCLUDED.days_past_due, as_of = EXCLUDED.as_of, computed_at = EXCLUDED.computed_at,
           changed_at = CASE WHEN s.state = EXCLUDED.state THEN s.changed_at ELSE EXCLUDED.changed_at END
    RETURNING state`;
  return { text, values: p.values };
}

/**
 * Planner settings for an aging statement, set for its transaction only:
 * - no JIT: compiling the aggregate over a million rows costs more than it saves;
 * - room for the per-customer rows and the sorts in memory;
 * - on the ledger path, no hash aggregation: the open invoices come from the partial index already in
 *   (customer, currency) order, and a sorted aggregate over them measured twice as fast as the hash
 *   table of 100,000 customers × 12 aggregates the planner prefers (docs/benchmarks.md, Aging).
 */
export function statementSettings(path: AgingPath): Array<[name: string, value: string]> {
  const settings: Array<[string, string]> = [
    ['jit', 'off'],
    ['work_mem', '64MB'],
  ];
  if (path === 'ledger') settings.push(['enable_hashagg', 'off']);
  return settings;
}

/** The statement with its values written in as literals: what the bench runs bare in psql. */
export function inlineStatement({ text, values }: Statement): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    if (typeof value === 'number') return String(value);
    return `'${String(value).replace(/'/g, "''")}'`;
  });
}
