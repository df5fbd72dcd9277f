import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { concreteExpr, dashboardQueries, metricNames } from './support/promql';
import { findOnPath, PrometheusServer } from './support/prometheus';
import { driveEveryModule, startTrafficApp, TrafficApp } from './support/traffic';

/**
 * Issue 11: the dashboards and alert rules are proven against the running service. A real Prometheus on
 * loopback scrapes the app (as both the custops-api and custops-worker jobs: the test app runs both
 * roles) and evaluates every rule file; traffic goes through every module; then every expression of
 * every rule and every dashboard panel must evaluate, and every metric name it reads must have series.
 * A name without series is a panel that is always empty, or an alert that can never fire.
 */
const ROOT = join(__dirname, '..');
const RULES_DIR = join(ROOT, 'prometheus', 'rules');
const PROMETHEUS = findOnPath('prometheus');
const REQUIRED = process.env.CI === 'true';

describe('PromQL metric-name extractor', () => {
  it.each([
    ['a bare name', 'up', ['up']],
    ['a selector with matchers', 'up{job=~"custops-.*", instance!="a{b}"}', ['up']],
    [
      'aggregations with by/without, functions, ranges and numbers',
      'sum by (job, route) (rate(http_request_duration_seconds_count{status_code=~"5.."}[5m])) / 2 > 0.05',
      ['http_request_duration_seconds_count'],
    ],
    [
      'modifiers after the aggregation body',
      'sum(rate(a_total[1m])) without (instance) * on (job) group_left (role) b_info',
      ['a_total', 'b_info'],
    ],
    [
      'recording-rule names, offset and set operators',
      'company_id:sessions_active:sum offset 15m >= 20 unless on (company_id) company_id:sessions_active:sum >= 0.5 * company_id:sessions_active:sum offset -1h',
      ['company_id:sessions_active:sum'],
    ],
    [
      'histogram_quantile, le, vector() and or',
      'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) or vector(0)',
      ['x_bucket'],
    ],
    [
      'strings, label_replace and count_values',
      'label_replace(count_values("version", nodejs_version_info), "dst", "$1", "src", "(.*)")',
      ['nodejs_version_info'],
    ],
    ['a __name__ matcher', '{__name__="process_cpu_seconds_total", job="a"}', ['process_cpu_seconds_total']],
    ['subqueries and @', 'max_over_time(rate(c_total[1m])[30m:1m] @ end())', ['c_total']],
    ['keywords in any case and bool', 'a_total > BOOL 1 AND b_total', ['a_total', 'b_total']],
    ['comments', '# the lag\noutbox_lag_seconds > 60', ['outbox_lag_seconds']],
    [
      'quantile labels',
      'customer_request_duration_seconds{quantile="0.95"} > 2.0',
      ['customer_request_duration_seconds'],
    ],
  ])('reads %s', (_what, expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });

  it('replaces Grafana variables with values Prometheus accepts', () => {
    expect(
      concreteExpr(
        'sum(increase(x_total{company_id=~"$company", p=~"${package}", q=~"${q:regex}"}[$__range])) / rate(y[$__rate_interval]) + z[$__interval]',
      ),
    ).toBe('sum(increase(x_total{company_id=~".*", p=~".*", q=~".*"}[1h])) / rate(y[1m]) + z[1m]');
  });
});

const suite = PROMETHEUS || REQUIRED ? describe : describe.skip;
const title = PROMETHEUS
  ? 'Dashboards and alert rules against a real Prometheus scraping the service'
  : REQUIRED
    ? 'Dashboards and alert rules against a real Prometheus (no `prometheus` on PATH, and CI=true requires it)'
    : 'Dashboards and alert rules against a real Prometheus (SKIPPED: no `prometheus` on PATH; install the Debian package prometheus to run it; CI=true makes this a failure)';

suite(title, () => {
  let app: TrafficApp;
  let prometheus: PrometheusServer;
  let started: Date;
  const ruleFiles = readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.rules.yml'))
    .sort()
    .map((f) => join(RULES_DIR, f));

  beforeAll(async () => {
    if (!PROMETHEUS) {
      throw new Error(
        'CI=true and no `prometheus` binary on PATH: .ci/run installs it (scripts/check-observability.sh, Debian package prometheus)',
      );
    }
    started = new Date(Date.now() - 1000);
    app = await startTrafficApp();
    const metrics = new URL(app.t.metricsUrl);
    prometheus = await PrometheusServer.start({
      binary: PROMETHEUS,
      ruleFiles,
      intervalSeconds: 1,
      jobs: ['api', 'worker'].map((role) => ({
        job: `custops-${role}`,
        target: metrics.host,
        metricsPath: metrics.pathname,
        labels: { service: 'custops', role },
      })),
    });
    await driveEveryModule(app);
    await prometheus.settle(2);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
  });

  it('scrapes the service as both jobs', async () => {
    const targets = await prometheus.targets();
    expect(targets.map((t) => [t.labels.job, t.health, t.lastError]).sort()).toEqual([
      ['custops-api', 'up', ''],
      ['custops-worker', 'up', ''],
    ]);
  });

  it('evaluates every rule and dashboard expression, and every metric name they read has series', async () => {
    const failures: string[] = [];
    const groups = await prometheus.rules();

    // Every rule file loaded (Prometheus refuses to start on one that does not parse), every rule healthy.
    const loaded = new Set(groups.map((g) => basename(g.file)));
    for (const file of ruleFiles.map((f) => basename(f))) {
      if (!loaded.has(file)) failures.push(`${file}: no rule group loaded`);
    }
    const recording = new Map<string, string[]>(); // record name → its inputs
    const expressions: Array<{ where: string; expr: string }> = [];
    for (const group of groups) {
      for (const rule of group.rules) {
        const where = `${basename(group.file)}: ${rule.type === 'recording' ? 'record' : 'alert'} ${rule.name}`;
        if (rule.health === 'err') failures.push(`${where}: evaluation error: ${rule.lastError}`);
        if (rule.type === 'recording') {
          recording.set(rule.name, [...(recording.get(rule.name) ?? []), ...metricNames(rule.query)]);
        }
        expressions.push({ where, expr: rule.query });
      }
    }
    const dashboards = dashboardQueries(ROOT);
    expect(dashboards.filter((q) => q.kind === 'panel').length).toBeGreaterThan(0);
    expressions.push(...dashboards);

    // Every expression parses and evaluates.
    for (const { where, expr } of expressions) {
      const result = await prometheus.query(expr);
      if (result.status !== 'success')
        failures.push(`${where}: does not evaluate: ${result.error}\n    ${expr}`);
    }

    // Every metric name read has at least one series since the test started.
    const seriesCount = new Map<string, number>();
    const countOf = async (name: string) => {
      if (!seriesCount.has(name)) {
        const response = await prometheus.series(name, started);
        seriesCount.set(name, response.status === 'success' ? response.data.length : 0);
      }
      return seriesCount.get(name)!;
    };
    const readers = new Map<string, string[]>(); // name → where it is read
    for (const { where, expr } of expressions) {
      for (const name of metricNames(expr)) readers.set(name, [...(readers.get(name) ?? []), where]);
    }
    // A recording rule nothing reads must still record something: an empty one is dead weight or a typo.
    for (const name of recording.keys()) if (!readers.has(name)) readers.set(name, []);
    for (const [name, where] of [...readers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if ((await countOf(name)) > 0) continue;
      const readBy = where.length
        ? [...new Set(where)].map((w) => `\n    read by ${w}`).join('')
        : '\n    read by nothing';
      const inputs = recording.get(name);
      if (inputs) {
        const missing: string[] = [];
        for (const input of new Set(inputs)) if ((await countOf(input)) === 0) missing.push(input);
        failures.push(
          missing.length
            ? `${name}: recording rule without series; its inputs without series: ${missing.join(', ')}${readBy}`
            : `${name}: recording rule without series although its inputs have series (label values?)${readBy}`,
        );
      } else {
        failures.push(`${name}: no series: the service does not export it, or nothing drove it${readBy}`);
      }
    }

    const summary = `${expressions.length} expressions (${groups.reduce((n, g) => n + g.rules.length, 0)} rules, ${dashboards.length} dashboard queries), ${readers.size} metric names`;
    if (failures.length) {
      throw new Error(
        `${summary}; ${failures.length} problems:\n${failures.map((f) => `- ${f}`).join('\n')}`,
      );
    }
    expect(prometheus.logs).not.toMatch(/level=error/);
  });
});
