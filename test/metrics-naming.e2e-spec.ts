import { MetricFamily, parseMetricsText } from './support/metrics-text';
import { driveEveryModule, startTrafficApp, TrafficApp } from './support/traffic';

/**
 * Issue 11: every metric the service exports follows Prometheus naming — snake_case, base units
 * (seconds, bytes), `_total` on counters and only there — and no label value is unbounded: ids appear
 * only as `company_id` (capped by METRICS_TENANT_LABEL_CAP), routes are templates, nothing is long.
 * The metrics page is read after traffic through every module, so every label set the code makes is on it.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Units that are not Prometheus base units (seconds, bytes, ratio, …), as a name's last word. */
const NON_BASE_UNITS =
  /_(ms|msec|millis|milliseconds|us|microseconds|ns|nanoseconds|minutes|mins|hours|days|kb|kib|kilobytes|mb|mib|megabytes|gb|gib|gigabytes|bits|percent|pct)$/;
/** Labels whose values are numbers by nature, all small closed sets or bucket bounds. */
const NUMERIC_LABELS = new Set(['le', 'quantile', 'status_code', 'rating', 'level', 'period_months']);

describe('Metric names and labels follow Prometheus practice', () => {
  let app: TrafficApp;
  let families: MetricFamily[];

  beforeAll(async () => {
    app = await startTrafficApp();
    await driveEveryModule(app);
    families = parseMetricsText(await app.t.metrics());
  }, 120_000);

  afterAll(() => app?.close());

  const report = (problems: string[]) => {
    if (problems.length)
      throw new Error(`${problems.length} problems:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  };

  it('reads a metrics page with the service’s own metrics on it', () => {
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'http_request_duration_seconds',
        'customer_request_duration_seconds',
        'customer_created_total',
        'sessions_active',
        'process_cpu_seconds_total',
      ]),
    );
    expect(families.every((f) => f.type !== 'untyped')).toBe(true);
  });

  it('names metrics in snake_case with help; counters end in _total and nothing else does', () => {
    const problems: string[] = [];
    for (const f of families) {
      if (!/^[a-z][a-z0-9_]*[a-z0-9]$/.test(f.name) || f.name.includes('__'))
        problems.push(`${f.name}: not snake_case`);
      if (!f.help.trim()) problems.push(`${f.name}: no HELP`);
      if (f.type === 'counter' && !f.name.endsWith('_total'))
        problems.push(`${f.name}: a counter without _total`);
      if (f.type !== 'counter' && f.name.endsWith('_total'))
        problems.push(`${f.name}: a ${f.type} named like a counter (_total)`);
    }
    report(problems);
  });

  it('uses base units: seconds and bytes, never ms, minutes, kb or mb', () => {
    const problems: string[] = [];
    for (const f of families) {
      const base = f.name.replace(/_total$/, '');
      if (NON_BASE_UNITS.test(base))
        problems.push(`${f.name}: ${NON_BASE_UNITS.exec(base)![1]} is not a base unit`);
      if (f.type === 'histogram' || f.type === 'summary') {
        if (/(duration|latency|_time)(_|$)/.test(base) && !base.endsWith('_seconds'))
          problems.push(`${f.name}: a ${f.type} of time not in _seconds`);
        if (/(size|length)(_|$)/.test(base) && !base.endsWith('_bytes'))
          problems.push(`${f.name}: a ${f.type} of size not in _bytes`);
      }
    }
    report(problems);
  });

  it('keeps label values bounded: ids only in company_id (capped), route templates, nothing long', () => {
    const problems = new Set<string>();
    const tenants = new Map<string, Set<string>>();
    for (const f of families) {
      for (const sample of f.samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          const at = `${f.name}{${label}="${value.length > 60 ? `${value.slice(0, 60)}…` : value}"}`;
          if (value.length > 100) problems.add(`${at}: a label value longer than 100 characters`);
          if (label === 'company_id') {
            if (!UUID.test(value) && value !== 'other')
              problems.add(`${at}: company_id is neither a uuid nor other`);
            tenants.set(f.name, (tenants.get(f.name) ?? new Set()).add(value));
            continue;
          }
          if (UUID.test(value)) problems.add(`${at}: a uuid outside company_id (one series per entity)`);
          if (/@/.test(value)) problems.add(`${at}: looks like an email address`);
          if (!NUMERIC_LABELS.has(label) && /\d{5,}/.test(value))
            problems.add(`${at}: looks like an id or a phone number`);
          if (label === 'route' && value !== 'unmatched') {
            for (const segment of value.split('/').filter(Boolean)) {
              if (segment.startsWith(':') || segment === '*') continue;
              if (!/^[a-z][a-z0-9._-]*$/i.test(segment) || /\d{2,}|^[0-9a-f]{12,}$/i.test(segment))
                problems.add(`${at}: route segment ${segment} is not a template`);
            }
          }
        }
      }
    }
    for (const [name, values] of tenants) {
      if (values.size > app.t.config.METRICS_TENANT_LABEL_CAP + 1)
        problems.add(`${name}: ${values.size} company_id values, over METRICS_TENANT_LABEL_CAP`);
    }
    report([...problems]);
  });
});
