/**
 * Customer imports and exports at volume (issue 8, seed 002 §4): the files are generated here (never
 * committed), into BENCH_FILES_DIR, and the service runs as it does in production, an api process and a
 * worker process, on a database of its own (custops_bench_files, recreated each run).
 *
 * - Import of 100,000 and 1,000,000 customers: from the first byte uploaded to the import reported
 *   finished, each run into a new company; beside a bare `psql \copy` of the same file into a table
 *   shaped and indexed like customers (the database's own floor for loading those rows), and into an
 *   unindexed table of text columns (parsing alone). Peak RSS (VmHWM) of the worker and the api.
 * - Export of each size's company (100,000 and 1,000,000 customers), CSV and JSON, streamed through the
 *   api to nowhere; beside a bare `psql \copy (SELECT …) TO /dev/null`. The api's RSS is sampled during
 *   the export: its growth shows whether memory stays flat.
 *
 * Run: `npm run build && node -r @swc-node/register bench/customer-files.ts` (or through `npm run
 * bench` with BENCH_ONLY=files).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, openAsBlob, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { mintToken } from '../src/platform/auth/tokens';
import { count, type Figure } from './figures';
import { BENCH_PRODUCTION_SECRETS, freshDatabase, startServiceProcess, stopProcess } from './service-process';

const DATABASE = 'custops_bench_files';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DATABASE}`);
const DIR = process.env.BENCH_FILES_DIR ?? '/tmp/custops-bench-files';
const PORT = Number(process.env.BENCH_FILES_PORT ?? 3197);
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-000000';
const SIZES = (process.env.BENCH_IMPORT_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_FILES_ROUNDS ?? 3);
const COLUMNS = ['customer_number', 'name', 'email', 'phone', 'currency', 'status'];
/** Seed 002's targets (p95) and the issue's goals. */
const TARGETS = {
  import_s: 30,
  export_s: 15,
  import_goal_s: 30,
  import_ratio_goal: 3,
  rss_goal_mb: 256,
  export_goal_s: 10,
};

export interface FilesResult {
  imports: Array<{
    rows: number;
    file_mb: number;
    service_s: { median: number; runs: number[] };
    processing_s: { median: number };
    bare_copy_indexed_s: { median: number };
    bare_copy_text_s: { median: number };
    ratio_to_indexed_copy: number;
    /** The worker's and the api's peak RSS (VmHWM) so far, read after this size's imports. */
    worker_peak_rss_mb: number;
    api_peak_rss_mb: number;
  }>;
  worker_idle_rss_mb: number;
  worker_peak_rss_mb: number;
  api_peak_rss_mb: number;
  exports: Array<{
    format: string;
    rows: number;
    size_mb: number;
    service_s: { median: number };
    bare_s: { median: number };
    ratio: number;
    api_rss_growth_mb: number;
  }>;
  targets: typeof TARGETS;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** `customers-<n>.csv`: unique numbers, realistic widths, some quoting; written once and reused. */
async function generate(rows: number): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `customers-${rows}.csv`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(COLUMNS.join(',') + '\n');
  let chunk = '';
  for (let n = 1; n <= rows; n += 1) {
    const name = n % 10 === 0 ? `"Duka ${n}, Ltd"` : `Customer ${n} Otieno`;
    chunk += `B-${n},${name},c${n}@example.com,+2547${String(n).padStart(8, '0')},KES,${n % 7 ? 'active' : 'inactive'}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve) => out.end(resolve));
  return file;
}

function start(role: 'api' | 'worker', env: Record<string, string>) {
  // e.g. --max-old-space-size=128, to see how much of the worker's peak is V8 collecting lazily
  const options = role === 'worker' ? (process.env.BENCH_WORKER_NODE_OPTIONS ?? '') : '';
  return startServiceProcess(role, env, PORT, options);
}

function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** psql -c, timed from spawn to exit (a fresh connection each time, as the service's job has one). */
function psql(sql: string): number {
  const started = performance.now();
  const result = spawnSync('psql', [DATABASE_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

async function importOnce(file: string, token: string): Promise<{ total: number; processing: number }> {
  const base = `http://127.0.0.1:${PORT}/v1/customers/imports`;
  const started = performance.now();
  const form = new FormData();
  form.append('file', await openAsBlob(file, { type: 'text/csv' }), 'customers.csv');
  const response = await fetch(base, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (response.status !== 202)
    throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const poll = (await (
      await fetch(`${base}/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      status: string;
      failed: number;
      created: number;
      started_at: string;
      finished_at: string;
      error: string | null;
    };
    if (poll.status !== 'queued' && poll.status !== 'processing') {
      if (poll.status !== 'success')
        throw new Error(`import ended ${poll.status}: ${poll.error ?? poll.failed}`);
      return {
        total: (performance.now() - started) / 1000,
        processing: (Date.parse(poll.finished_at) - Date.parse(poll.started_at)) / 1000,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function exportOnce(token: string, format: 'csv' | 'json', apiPid: number) {
  const before = memoryMb(apiPid, 'VmRSS');
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryMb(apiPid, 'VmRSS'))), 50);
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${PORT}/v1/customers/export?format=${format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { seconds, bytes, growth: peak - before };
}

export async function measureCustomerFiles(sizes = SIZES, rounds = ROUNDS): Promise<FilesResult> {
  await freshDatabase(ADMIN_URL, DATABASE);
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL,
    REDIS_PREFIX: `benchfiles${Date.now()}`,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000000',
    STORAGE_DIR: join(DIR, 'storage'),
    ...BENCH_PRODUCTION_SECRETS,
  };
  const worker = await start('worker', env);
  const api = await start('api', env);
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const result: FilesResult = {
    imports: [],
    exports: [],
    worker_idle_rss_mb: round(memoryMb(worker.pid!, 'VmRSS'), 0),
    worker_peak_rss_mb: 0,
    api_peak_rss_mb: 0,
    targets: TARGETS,
  };
  try {
    const benchCompany = randomUUID();
    await db.query(`CREATE TABLE bench_copy_indexed (LIKE customers INCLUDING DEFAULTS INCLUDING INDEXES)`);
    await db.query(
      `ALTER TABLE bench_copy_indexed ALTER COLUMN company_id SET DEFAULT '${benchCompany}', ALTER COLUMN source SET DEFAULT 'import'`,
    );
    await db.query(`CREATE TABLE bench_copy_text (${COLUMNS.map((c) => `${c} text`).join(', ')})`);
    for (const rows of sizes) {
      let lastCompany = '';
      const file = await generate(rows);
      process.stderr.write(`bench: import ${rows} customers (${rounds} rounds)\n`);
      const service: number[] = [];
      const processing: number[] = [];
      const indexed: number[] = [];
      const text: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        lastCompany = randomUUID();
        const token = await mintToken(JWT_SECRET, {
          companyId: lastCompany,
          roles: ['admin'],
          userId: 'bench',
          ttlSeconds: 3600,
        });
        const run = await importOnce(file, token);
        service.push(run.total);
        processing.push(run.processing);
        await db.query('TRUNCATE bench_copy_indexed, bench_copy_text');
        indexed.push(
          psql(
            `\\copy bench_copy_indexed (${COLUMNS.join(', ')}) FROM '${file}' WITH (FORMAT csv, HEADER true)`,
          ),
        );
        text.push(psql(`\\copy bench_copy_text FROM '${file}' WITH (FORMAT csv, HEADER true)`));
      }
      result.imports.push({
        rows,
        file_mb: round(statSync(file).size / 1e6, 1),
        service_s: { median: round(median(service)), runs: service.map((s) => round(s)) },
        processing_s: { median: round(median(processing)) },
        bare_copy_indexed_s: { median: round(median(indexed)) },
        bare_copy_text_s: { median: round(median(text)) },
        ratio_to_indexed_copy: round(median(service) / median(indexed)),
        worker_peak_rss_mb: round(memoryMb(worker.pid!, 'VmHWM'), 0),
        api_peak_rss_mb: round(memoryMb(api.pid!, 'VmHWM'), 0),
      });
      result.worker_peak_rss_mb = round(memoryMb(worker.pid!, 'VmHWM'), 0);
      result.api_peak_rss_mb = round(memoryMb(api.pid!, 'VmHWM'), 0);
      result.exports.push(...(await exportCompany(db, lastCompany, api.pid!, rounds)));
    }
  } finally {
    await db.end();
    await Promise.all([stopProcess(api), stopProcess(worker)]);
  }
  return result;
}

/** Exports a company's customers as CSV and as JSON, `rounds` times each, beside the bare `\copy … TO`. */
async function exportCompany(
  db: Client,
  companyId: string,
  apiPid: number,
  rounds: number,
): Promise<FilesResult['exports']> {
  const exports: FilesResult['exports'] = [];
  await db.query('VACUUM (ANALYZE) customers');
  const token = await mintToken(JWT_SECRET, {
    companyId,
    roles: ['admin'],
    userId: 'bench',
    ttlSeconds: 3600,
  });
  const rows = Number(
    (
      await db.query('SELECT count(*) AS n FROM customers WHERE company_id = $1 AND deleted_at IS NULL', [
        companyId,
      ])
    ).rows[0].n,
  );
  for (const format of ['csv', 'json'] as const) {
    process.stderr.write(`bench: export ${rows} customers as ${format}\n`);
    const runs = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      runs.push(await exportOnce(token, format, apiPid));
      bare.push(
        psql(
          format === 'csv'
            ? `\\copy (SELECT customer_number, external_id, name, email, phone, currency, status, array_to_string(tags, '|'), billing_address->>'line1', billing_address->>'line2', billing_address->>'city', billing_address->>'region', billing_address->>'postal_code', billing_address->>'country', metadata::text, id, source, created_at, updated_at FROM customers c WHERE company_id = '${companyId}' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC) TO '/dev/null' WITH (FORMAT csv, HEADER true)`
            : `\\copy (SELECT row_to_json(c)::text FROM customers c WHERE company_id = '${companyId}' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC) TO '/dev/null'`,
        ),
      );
    }
    const seconds = median(runs.map((r) => r.seconds));
    exports.push({
      format,
      rows,
      size_mb: round(runs[0].bytes / 1e6, 1),
      service_s: { median: round(seconds) },
      bare_s: { median: round(median(bare)) },
      ratio: round(seconds / median(bare)),
      api_rss_growth_mb: round(Math.max(...runs.map((r) => r.growth)), 0),
    });
  }
  return exports;
}

export function describeCustomerFiles(r: FilesResult): string {
  const lines = ['', 'Customer imports (upload to finished) vs bare psql \\copy of the same file'];
  for (const i of r.imports) {
    lines.push(
      `  ${i.rows} rows (${i.file_mb} MB): service median ${i.service_s.median} s (runs ${i.service_s.runs.join(', ')}; ` +
        `processing ${i.processing_s.median} s) | \\copy into indexed customers-shaped table ${i.bare_copy_indexed_s.median} s, ` +
        `into text table ${i.bare_copy_text_s.median} s | ratio ${i.ratio_to_indexed_copy}× (goal ≤ ${r.targets.import_ratio_goal}×, seed target ${r.targets.import_s} s)`,
    );
  }
  lines.push(
    `  peak RSS: worker ${r.worker_peak_rss_mb} MB, api ${r.api_peak_rss_mb} MB (goal < ${r.targets.rss_goal_mb} MB; seed alert 512 MB)`,
  );
  lines.push('Customer exports (streamed to nowhere) vs bare psql \\copy TO /dev/null');
  for (const e of r.exports) {
    lines.push(
      `  ${e.format} ${e.rows} rows (${e.size_mb} MB): service median ${e.service_s.median} s | bare ${e.bare_s.median} s | ` +
        `ratio ${e.ratio}× | api RSS growth ${e.api_rss_growth_mb} MB (goal < ${r.targets.export_goal_s} s, seed target ${r.targets.export_s} s)`,
    );
  }
  return lines.join('\n');
}

/** The report's rows: each import and export beside its bare `\copy`, and the memory they took. */
export function filesFigures(r: FilesResult): Figure[] {
  const t = r.targets;
  const figures: Figure[] = [];
  for (const i of r.imports) {
    const base = { module: 'customers' as const, volume: `${count(i.rows)} rows (${i.file_mb} MB)` };
    const scenario = 'Customer import (CSV upload → import finished)';
    figures.push(
      {
        ...base,
        scenario,
        measure: 'time s (bare: \\copy into a customers-shaped, indexed table)',
        service: i.service_s.median,
        baseline: i.bare_copy_indexed_s.median,
        work: 'volume',
        target: `seed ${t.import_s} s / goal ${t.import_goal_s} s and ≤ ${t.import_ratio_goal}× bare`,
        met: i.service_s.median <= t.import_goal_s && i.ratio_to_indexed_copy <= t.import_ratio_goal,
      },
      {
        ...base,
        scenario,
        measure: 'time s (bare: \\copy into a text table: parsing alone)',
        service: i.service_s.median,
        baseline: i.bare_copy_text_s.median,
        work: 'volume',
        target: null,
        met: null,
      },
      {
        ...base,
        scenario,
        measure: 'worker peak RSS MB (VmHWM so far)',
        service: i.worker_peak_rss_mb,
        baseline: null,
        work: 'fixed',
        memory: true,
        target: `goal < ${t.rss_goal_mb} MB (seed alert 512 MB)`,
        met: i.worker_peak_rss_mb < t.rss_goal_mb,
      },
    );
  }
  for (const e of r.exports) {
    const base = {
      module: 'customers' as const,
      scenario: `Customer export, ${e.format.toUpperCase()} (streamed)`,
      volume: `${count(e.rows)} customers (${e.size_mb} MB)`,
    };
    figures.push(
      {
        ...base,
        measure: 'time s (bare: \\copy (SELECT …) TO /dev/null)',
        service: e.service_s.median,
        baseline: e.bare_s.median,
        work: 'volume',
        target: `seed ${t.export_s} s / goal ${t.export_goal_s} s`,
        met: e.service_s.median <= t.export_goal_s,
      },
      {
        ...base,
        measure: 'api RSS growth MB',
        service: e.api_rss_growth_mb,
        baseline: null,
        work: 'fixed',
        memory: true,
        target: null,
        met: null,
      },
    );
  }
  return figures;
}

if (require.main === module) {
  measureCustomerFiles().then(
    (result) => {
      console.log(describeCustomerFiles(result));
      console.log(JSON.stringify(result, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
