import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { waitFor } from './wait';

/** The `prometheus` executable on the PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ScrapeJob {
  job: string;
  /** host:port */
  target: string;
  metricsPath: string;
  labels?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export interface RuleGroup {
  name: string;
  file: string;
  lastEvaluation: string;
  rules: Array<{
    name: string;
    query: string;
    type: 'recording' | 'alerting';
    health: string;
    lastError?: string;
  }>;
}

export interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
  lastScrape: string;
}

/** A real Prometheus on loopback, scraping the given jobs and evaluating the given rule files. */
export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: string[],
  ) {}

  static async start(options: {
    binary: string;
    jobs: ScrapeJob[];
    ruleFiles: string[];
    intervalSeconds?: number;
  }): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'custops-prometheus-'));
    const interval = `${options.intervalSeconds ?? 1}s`;
    const rules: string[] = [];
    for (const file of options.ruleFiles) {
      const copy = join(dir, basename(file));
      await copyFile(file, copy);
      rules.push(copy);
    }
    // JSON is YAML: no YAML writer needed.
    const config = {
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      rule_files: rules,
      scrape_configs: options.jobs.map((job) => ({
        job_name: job.job,
        metrics_path: job.metricsPath,
        static_configs: [{ targets: [job.target], labels: job.labels ?? {} }],
      })),
    };
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, JSON.stringify(config, null, 2));

    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await freePort();
      const output: string[] = [];
      const child = spawn(
        options.binary,
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      let exited = false;
      // Never leave a Prometheus behind, whatever ends the test process.
      const kill = () => child.kill('SIGKILL');
      process.once('exit', kill);
      child.once('exit', () => {
        exited = true;
        process.off('exit', kill);
      });
      const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir, output);
      try {
        await waitFor(
          async () => {
            if (exited) throw new Error(`prometheus exited: ${output.join('').slice(-2000)}`);
            const response = await fetch(`${server.url}/-/ready`).catch(() => undefined);
            return response?.ok === true;
          },
          { timeoutMs: 20_000, intervalMs: 100, what: 'Prometheus to be ready' },
        );
        return server;
      } catch (error) {
        lastError = error as Error;
        await server.stopProcess();
        if (!/address already in use/.test(output.join(''))) break;
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw lastError ?? new Error('Prometheus did not start');
  }

  /** What Prometheus logged (warnings and errors). */
  get logs(): string {
    return this.output.join('');
  }

  async get<T>(path: string, params: Record<string, string | string[]> = {}): Promise<ApiResponse<T>> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    }
    // POST form: long expressions do not fit a URL comfortably; every read endpoint accepts it.
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return (await response.json()) as ApiResponse<T>;
  }

  query(expr: string): Promise<ApiResponse<{ resultType: string; result: unknown[] }>> {
    return this.get('/api/v1/query', { query: expr });
  }

  series(match: string, start: Date): Promise<ApiResponse<Array<Record<string, string>>>> {
    return this.get('/api/v1/series', {
      'match[]': match,
      start: (start.getTime() / 1000).toFixed(3),
      end: (Date.now() / 1000 + 1).toFixed(3),
    });
  }

  async rules(): Promise<RuleGroup[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    return ((await response.json()) as ApiResponse<{ groups: RuleGroup[] }>).data.groups;
  }

  async targets(): Promise<Target[]> {
    const response = await fetch(`${this.url}/api/v1/targets?state=active`);
    return ((await response.json()) as ApiResponse<{ activeTargets: Target[] }>).data.activeTargets;
  }

  /**
   * Until every target has been scraped successfully `times` more times from now, then every rule group
   * evaluated after that: rate() and increase() need two samples of a series. (Prometheus applies new
   * targets every 5 s, so the first scrape of a fresh server can come late.)
   */
  async settle(times = 2): Promise<void> {
    const since = Date.now();
    const seen = new Map<string, Set<string>>();
    await waitFor(
      async () => {
        const targets = await this.targets();
        for (const t of targets) {
          if (t.health !== 'up' || new Date(t.lastScrape).getTime() < since) continue;
          const key = `${t.labels.job}/${t.labels.instance}`;
          seen.set(key, (seen.get(key) ?? new Set()).add(t.lastScrape));
        }
        return (
          targets.length > 0 &&
          targets.every((t) => (seen.get(`${t.labels.job}/${t.labels.instance}`)?.size ?? 0) >= times)
        );
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `${times} successful scrapes of every target` },
    );
    const scraped = Date.now();
    await waitFor(
      async () => (await this.rules()).every((g) => new Date(g.lastEvaluation).getTime() > scraped),
      { timeoutMs: 15_000, intervalMs: 100, what: 'every rule group to be evaluated again' },
    );
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async stopProcess(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
