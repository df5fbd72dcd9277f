import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const RULES = join(ROOT, 'prometheus', 'rules');
const onPath = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const run = (tool: string, args: string[]): string =>
  execFileSync(tool, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const files = (suffix: string): string[] =>
  readdirSync(RULES)
    .filter((name) => name.endsWith(suffix))
    .map((name) => join('prometheus', 'rules', name));

/**
 * The Prometheus and Alertmanager configs as their own tools read them: `npm test` runs these wherever
 * promtool/amtool are installed; .ci/run installs them (scripts/check-observability.sh), so CI always does.
 */
const describeWithPromtool = onPath('promtool') || process.env.CI === 'true' ? describe : describe.skip;

describeWithPromtool('Prometheus rules and config (promtool)', () => {
  it('finds rule files and their unit tests', () => {
    expect(files('.rules.yml').length).toBeGreaterThanOrEqual(5);
    expect(files('.rules.test.yml')).toHaveLength(files('.rules.yml').length);
  });

  it('checks the config and every rule file', () => {
    expect(run('promtool', ['check', 'config', 'prometheus/prometheus.yml'])).toMatch(/SUCCESS/);
    expect(run('promtool', ['check', 'rules', ...files('.rules.yml')])).not.toMatch(/FAILED/);
  });

  it('passes the unit tests of every alert (firing and not firing)', () => {
    const output = run('promtool', ['test', 'rules', ...files('.rules.test.yml')]);
    expect(output).not.toMatch(/FAILED/);
    expect(output.match(/SUCCESS/g)).toHaveLength(files('.rules.test.yml').length);
  });
});

const describeWithAmtool = onPath('amtool') || process.env.CI === 'true' ? describe : describe.skip;

describeWithAmtool('Alertmanager config (amtool)', () => {
  const route = (...labels: string[]) =>
    run('amtool', [
      'config',
      'routes',
      'test',
      '--config.file=prometheus/alertmanager.yml',
      ...labels,
    ]).trim();

  it('is valid', () => {
    expect(run('amtool', ['check-config', 'prometheus/alertmanager.yml'])).toMatch(/SUCCESS/);
  });

  it('pages criticals and mails warnings', () => {
    expect(route('alertname=CustopsTargetDown', 'severity=critical')).toBe('pager');
    expect(route('alertname=CustomerImportMemoryHigh', 'severity=warning')).toBe('team-email');
  });
});
