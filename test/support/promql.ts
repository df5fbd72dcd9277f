import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PromQL helpers for the observability test: the metric names an expression reads, and every PromQL
 * expression of the Grafana dashboards with its Grafana variables replaced by values Prometheus accepts.
 */

/** Keywords and operators that read like identifiers (PromQL keywords are case-insensitive). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
/** Aggregations: `sum by (x) (…)` puts a keyword, not `(`, after the name. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
/** Followed by a parenthesised list of label names (group_left/right may have none). */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const IDENT_START = /[a-zA-Z_:]/;
const IDENT = /[a-zA-Z0-9_:]/;

/** Index just past the string literal opening at `i` ("…", '…' or `…`). */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) {
    if (text[j] === '\\' && quote !== '`') j += 1;
    j += 1;
  }
  return j + 1;
}

/** Index just past the bracket group opening at `i`, strings inside respected. */
function skipGroup(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === '"' || c === "'" || c === '`') {
      j = skipString(text, j);
      continue;
    }
    if (c === open) depth += 1;
    if (c === close) {
      depth -= 1;
      if (depth === 0) return j + 1;
    }
    j += 1;
  }
  return j;
}

function nextNonSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && /\s/.test(text[j])) j += 1;
  return j;
}

/** `__name__="x"` matchers inside a selector's braces name a metric too. */
function namesInMatchers(braces: string): string[] {
  const names: string[] = [];
  const re = /__name__\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/g;
  for (let m = re.exec(braces); m; m = re.exec(braces)) names.push(m[1].slice(1, -1));
  return names;
}

/**
 * The metric names a PromQL expression reads: every identifier that is not a function, aggregation,
 * keyword, label name (inside `{…}`, `by (…)`, `on (…)`…), duration, number or string. Recording-rule
 * names (`job:http_requests:rate5m`) are metric names too.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i += 1;
    } else if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '{') {
      const end = skipGroup(expr, i, '{', '}');
      for (const name of namesInMatchers(expr.slice(i, end))) names.add(name);
      i = end;
    } else if (c === '[') {
      i = skipGroup(expr, i, '[', ']');
    } else if (/[0-9.]/.test(c)) {
      // Numbers (1, 0.5, 1e3, 0x1f) and durations (5m, 1h30m).
      i += 1;
      while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i])) i += 1;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < expr.length && IDENT.test(expr[j])) j += 1;
      const word = expr.slice(i, j);
      const lower = word.toLowerCase();
      const after = nextNonSpace(expr, j);
      if (LABEL_LISTS.has(lower)) {
        i = expr[after] === '(' ? skipGroup(expr, after, '(', ')') : j;
      } else if (lower === 'offset') {
        // offset 5m, offset -1h
        let k = after;
        if (expr[k] === '-' || expr[k] === '+') k += 1;
        while (k < expr.length && /[0-9a-zA-Z_.]/.test(expr[k])) k += 1;
        i = k;
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || expr[after] === '(') {
        i = j; // a keyword, an aggregation or a function call
      } else {
        names.add(word);
        i = j;
      }
    } else {
      i += 1;
    }
  }
  return [...names];
}

/** Grafana's built-in interval variables, longest first so `$__interval_ms` is not read as `$__interval`. */
const BUILT_INS: Array<[string, string]> = [
  ['$__rate_interval_ms', '60000'],
  ['$__rate_interval', '1m'],
  ['$__interval_ms', '60000'],
  ['$__interval', '1m'],
  ['$__auto', '1m'],
  ['$__range_ms', '3600000'],
  ['$__range_s', '3600'],
  ['$__range', '1h'],
];

/**
 * A dashboard expression as Prometheus can run it: interval variables by plausible durations, every other
 * template variable (`$company`, `${company}`, `${company:regex}`, `[[company]]`) by `.*`, which is
 * what "All" selects in a regex matcher.
 */
export function concreteExpr(expr: string): string {
  let out = expr;
  for (const [variable, value] of BUILT_INS) {
    out = out
      .split(`\${${variable.slice(1)}}`)
      .join(value)
      .split(variable)
      .join(value);
  }
  return out.replace(/\$\{[^}]+\}|\$[a-zA-Z_]\w*|\[\[[^\]]+\]\]/g, '.*');
}

export interface DashboardQuery {
  /** dashboard file, panel or annotation title and refId, for the failure message */
  where: string;
  expr: string;
  kind: 'panel' | 'annotation' | 'variable';
}

interface DatasourceRef {
  uid?: string;
  type?: string;
}
interface Target {
  expr?: string;
  refId?: string;
  datasource?: DatasourceRef | string | null;
}
interface Panel {
  id?: number;
  title?: string;
  datasource?: DatasourceRef | string | null;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name?: string;
  type?: string;
  query?: string | { query?: string };
  datasource?: DatasourceRef | string | null;
}
interface Dashboard {
  panels?: Panel[];
  annotations?: { list?: Array<{ name?: string; expr?: string; datasource?: DatasourceRef | string }> };
  templating?: { list?: Variable[] };
}

/** uid → type of the provisioned datasources (a reference may carry its uid alone). */
function provisionedDatasources(root: string): Map<string, string> {
  const map = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(join(root, 'grafana/provisioning/datasources/datasources.yml'), 'utf8');
  } catch {
    return map;
  }
  for (const block of text.split(/\n\s*-\s+(?=\w+:)/)) {
    const uid = /\buid:\s*['"]?([\w-]+)/.exec(block)?.[1];
    const type = /\btype:\s*['"]?([\w-]+)/.exec(block)?.[1];
    if (uid && type) map.set(uid, type);
  }
  return map;
}

/**
 * Every Prometheus query of every dashboard under `grafana/dashboards`: panel targets (rows' nested
 * panels included), annotations, and the metric selector of `label_values(…)` variables. Loki and
 * Grafana's built-in datasources are left out.
 */
export function dashboardQueries(root: string): DashboardQuery[] {
  const dir = join(root, 'grafana/dashboards');
  const uids = provisionedDatasources(root);
  const queries: DashboardQuery[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard;
    const variables = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
    const typeOf = (ref: DatasourceRef | string | null | undefined): string | undefined => {
      const ds: DatasourceRef = typeof ref === 'string' ? { uid: ref } : (ref ?? {});
      if (ds.uid?.startsWith('$')) {
        const variable = variables.get(ds.uid.replace(/^\$\{?|\}$/g, '').split(':')[0]);
        // A datasource variable's query is the datasource type it lists ("prometheus").
        if (variable?.type === 'datasource' && typeof variable.query === 'string') return variable.query;
        return ds.type;
      }
      return ds.type ?? (ds.uid ? uids.get(ds.uid) : undefined);
    };
    const walk = (panels: Panel[] = []): Panel[] => panels.flatMap((p) => [p, ...walk(p.panels)]);
    for (const panel of walk(dashboard.panels)) {
      for (const target of panel.targets ?? []) {
        if (typeOf(target.datasource ?? panel.datasource) !== 'prometheus' || !target.expr) continue;
        queries.push({
          where: `${file}: panel ${panel.id} "${panel.title}" ${target.refId ?? ''}`.trim(),
          expr: concreteExpr(target.expr),
          kind: 'panel',
        });
      }
    }
    for (const annotation of dashboard.annotations?.list ?? []) {
      if (typeOf(annotation.datasource) !== 'prometheus' || !annotation.expr) continue;
      queries.push({
        where: `${file}: annotation "${annotation.name}"`,
        expr: concreteExpr(annotation.expr),
        kind: 'annotation',
      });
    }
    for (const variable of variables.values()) {
      if (variable.type !== 'query' || typeOf(variable.datasource) !== 'prometheus') continue;
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      // label_values(selector, label), query_result(expr), metrics(regex): the selector or expr is PromQL.
      const inner = /^\s*(?:label_values|query_result)\((.*)\)\s*$/s.exec(query)?.[1];
      if (!inner) continue;
      const selector = query.trim().startsWith('label_values')
        ? inner.replace(/,\s*[a-zA-Z_]\w*\s*$/, '')
        : inner;
      if (!metricNames(selector).length) continue; // label_values(label): no metric
      queries.push({
        where: `${file}: variable $${variable.name}`,
        expr: concreteExpr(selector),
        kind: 'variable',
      });
    }
  }
  return queries;
}
