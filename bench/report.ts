/**
 * `npm run bench:report` (builds first): every scenario of every bench, at the volumes the issues name and
 * again at a tenth of them, each beside its bare baseline in the same run, written to docs/benchmarks.md
 * between the `bench:report` markers (what is outside them, the hand-written notes, survives re-runs).
 *
 * Volumes: 100,000 customers; 100,000 tickets (staff list, escalation scan, analytics); 1,000,000 invoices
 * (aging, and the statement's company); 1,000,000-row customer import and export; 50,000 WiFi sessions;
 * the notifications drain (10,000) and bank-account setups (1,000) at their benches' own counts. Every
 * volume is a company (or database) of its own, seeded by script once and reused by later runs.
 *
 * Knobs: BENCH_REPORT_ONLY=<module,…> (only those modules run, and only their tables are replaced),
 * BENCH_DURATION (s per HTTP round; sessions runs twice that), BENCH_ROUNDS (HTTP and payments rounds),
 * BENCH_REPORT_QUICK=1 (1/100 of every volume and short runs: a check of the harness, not figures),
 * BENCH_REPORT_DOC (write elsewhere than docs/benchmarks.md). Raw results: bench/results/report-<time>.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { agingFigures, measureAging } from './aging';
import { bankAccountsFigures, measureBankAccounts } from './bank-accounts';
import { filesFigures, measureCustomerFiles, type FilesResult } from './customer-files';
import { drainFigures, measureDrain } from './drain';
import { escalationFigures, measureEscalationScan } from './escalation';
import { companyForVolume, count, type Figure, REPORT_MODULES, type ReportModule } from './figures';
import { measurePayments, paymentsFigures } from './payments';
import {
  BENCH_COMPANY_ID,
  benchContext,
  type BenchServices,
  httpFigures,
  type HttpOptions,
  runScenario,
  runScenarios,
  startBenchServices,
} from './run';
import type { BenchContext, Scenario } from './scenario';
import { analyticsScenario } from './scenarios/analytics';
import { customerScenarios } from './scenarios/customers';
import { meScenario } from './scenarios/me';
import { ticketScenarios } from './scenarios/tickets';
import { BENCH_CUSTOMERS } from './seed';
import { measureSessions, sessionsFigures, type SessionsSettings } from './sessions';
import { measureStatements, statementFigures } from './statements';

const ROOT = join(__dirname, '..');
const QUICK = process.env.BENCH_REPORT_QUICK === '1';
/** QUICK runs every volume at 1/100. */
const SCALE = QUICK ? 100 : 1;
const DURATION = Number(process.env.BENCH_DURATION ?? (QUICK ? 1 : 4));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 2));
const DOC = process.env.BENCH_REPORT_DOC ?? join(ROOT, 'docs', 'benchmarks.md');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HTTP: HttpOptions = { duration: DURATION, rounds: ROUNDS, connections: 16, latencyConnections: 2 };
/** Rounds of the benches timed one run at a time (their own defaults are higher; these keep a run short). */
const AGING_ROUNDS = QUICK ? 3 : 10;
const ESCALATION_ROUNDS = QUICK ? 1 : 3;
const STATEMENT_ROUNDS = QUICK ? 3 : 10;
const FILE_ROUNDS = 1;
const SESSION_SECONDS = 2 * DURATION;

/** The volumes of a full run: the issues' where they name one, the bench's own count where not. */
const NAMED = {
  customers: 100_000,
  tickets: 100_000,
  invoices: 1_000_000,
  agingCustomers: 100_000,
  statementInvoices: 1_000_000,
  fileRows: 1_000_000,
  notifications: 10_000,
  setups: 1_000,
  sessions: 50_000,
} as const;

/** A volume of this run: the named one (over SCALE), or a tenth of it. */
const volume = (key: keyof typeof NAMED, tenth = false): number =>
  Math.max(1, Math.round(NAMED[key] / SCALE / (tenth ? 10 : 1)));

const START = '<!-- bench:report start -->';
const END = '<!-- bench:report end -->';
const blockStart = (m: ReportModule) => `<!-- bench:report module=${m} -->`;
const blockEnd = (m: ReportModule) => `<!-- /bench:report module=${m} -->`;

const TITLES: Record<ReportModule, string> = {
  platform: 'Platform',
  customers: 'Customers',
  tickets: 'Tickets and support',
  invoices: 'Receivables: AR aging',
  statements: 'Statements',
  notifications: 'Notifications',
  'bank-accounts': 'Bank-account setups',
  payments: 'Payments',
  sessions: 'WiFi sessions',
};

function selectedModules(): ReportModule[] {
  const raw = process.env.BENCH_REPORT_ONLY;
  if (!raw) return [...REPORT_MODULES];
  const wanted = raw
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = wanted.filter((m) => !(REPORT_MODULES as readonly string[]).includes(m));
  if (unknown.length) {
    throw new Error(
      `BENCH_REPORT_ONLY: unknown ${unknown.join(', ')}; modules: ${REPORT_MODULES.join(', ')}`,
    );
  }
  return REPORT_MODULES.filter((m) => wanted.includes(m));
}

const MODULES = selectedModules();
const runs = (m: ReportModule): boolean => MODULES.includes(m);

/** One figure set at the named volume, and the same at a tenth of it (null: the scenario has no volume). */
interface Pair {
  full: Figure[];
  tenth: Figure[] | null;
}

interface Part {
  name: string;
  seconds: number;
  load: [number, number];
  error?: string;
}

interface ModuleRecord {
  pairs: Pair[];
  parts: Part[];
  started?: Date;
}

const records = new Map<ReportModule, ModuleRecord>(MODULES.map((m) => [m, { pairs: [], parts: [] }]));

const load1 = (): number => Math.round(loadavg()[0] * 100) / 100;

/** Runs one part of a module's bench, timing it and keeping its error (the report goes on without it). */
async function part(module: ReportModule, name: string, work: () => Promise<Pair>): Promise<void> {
  const record = records.get(module);
  if (!record) return;
  record.started ??= new Date();
  process.stderr.write(`report: ${module}: ${name}\n`);
  const started = performance.now();
  const before = load1();
  try {
    record.pairs.push(await work());
    record.parts.push({ name, seconds: (performance.now() - started) / 1000, load: [before, load1()] });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`report: ${module}: ${name} failed: ${message}\n`);
    record.started ??= new Date();
    record.parts.push({
      name,
      seconds: (performance.now() - started) / 1000,
      load: [before, load1()],
      error: message.split('\n')[0].slice(0, 300),
    });
  }
}

/** Runs a scenario at both volumes on the same service, V and V/10 in turn within every round. */
async function httpPair(
  module: ReportModule,
  scenario: Scenario,
  contexts: () => Promise<[BenchContext, BenchContext]>,
  labels: [string, string],
  work: Figure['work'],
  tenthScenario: Scenario = scenario,
): Promise<void> {
  await part(module, scenario.name, async () => {
    const [full, tenth] = await contexts();
    // Interleaved round by round, so V and V/10 see the same machine state (as a service and its baseline do).
    const [atFull, atTenth] = await runScenarios(
      [
        { scenario, context: full },
        { scenario: tenthScenario, context: tenth },
      ],
      HTTP,
    );
    return {
      full: httpFigures(module, atFull, HTTP, labels[0], work, scenario.name),
      tenth: httpFigures(module, atTenth, HTTP, labels[1], work, scenario.name),
    };
  });
}

/** Phase 1: what the bench service (api + worker) and the bare baseline server answer. */
async function serviceBenches(): Promise<void> {
  const modules: ReportModule[] = ['platform', 'customers', 'tickets', 'notifications', 'invoices'];
  if (!modules.some(runs)) return;
  let services: BenchServices;
  try {
    process.stderr.write('report: starting the bench service, its worker and the bare baseline\n');
    services = await startBenchServices();
  } catch (error) {
    for (const m of modules.filter(runs)) {
      await part(m, 'bench service', () =>
        Promise.reject(error instanceof Error ? error : new Error(String(error))),
      );
    }
    return;
  }
  const customers = [volume('customers'), volume('customers', true)];
  const tickets = [volume('tickets'), volume('tickets', true)];
  let seeded: Promise<[BenchContext, BenchContext]> | undefined;
  // One company per volume in the bench database: V's customers and tickets, and V/10's.
  const contexts = () =>
    (seeded ??= (async (): Promise<[BenchContext, BenchContext]> => [
      await benchContext(
        services,
        companyForVolume(BENCH_COMPANY_ID, customers[0], BENCH_CUSTOMERS),
        customers[0],
        tickets[0],
      ),
      await benchContext(
        services,
        companyForVolume(BENCH_COMPANY_ID, customers[1], BENCH_CUSTOMERS),
        customers[1],
        tickets[1],
      ),
    ])());
  const customerLabels: [string, string] = [
    `${count(customers[0])} customers`,
    `${count(customers[1])} customers`,
  ];
  const ticketLabels: [string, string] = [`${count(tickets[0])} tickets`, `${count(tickets[1])} tickets`];
  try {
    if (runs('platform')) {
      await part('platform', meScenario.name, async () => {
        const [full] = await contexts();
        return {
          full: httpFigures('platform', await runScenario(meScenario, full, HTTP), HTTP, '–', 'none'),
          tenth: null,
        };
      });
    }
    if (runs('customers')) {
      for (const scenario of customerScenarios) {
        await httpPair('customers', scenario, contexts, customerLabels, 'fixed');
      }
    }
    if (runs('tickets')) {
      for (const scenario of ticketScenarios) {
        await httpPair('tickets', scenario, contexts, ticketLabels, 'fixed');
      }
      await httpPair(
        'tickets',
        analyticsScenario(tickets[0]),
        contexts,
        [`${count(tickets[0])} tickets over 90 days`, `${count(tickets[1])} tickets over 90 days`],
        'volume',
        analyticsScenario(tickets[1]),
      );
    }
    if (runs('notifications')) {
      await part('notifications', 'notifications drain', async () => {
        const [full] = await contexts();
        const drain = (n: number) =>
          measureDrain(services.baseUrl, full.token, services.pool, REDIS_URL, services.redisPrefix, n);
        const atFull = await drain(volume('notifications'));
        const atTenth = await drain(volume('notifications', true));
        return { full: drainFigures(atFull), tenth: drainFigures(atTenth) };
      });
    }
    if (runs('invoices')) {
      await part('invoices', 'GET /v1/aging', async () => {
        const aging = (tenth: boolean) =>
          measureAging(services.baseUrl, services.jwtSecret, services.databaseUrl, services.pool, {
            invoices: volume('invoices', tenth),
            customers: volume('agingCustomers', tenth),
            rounds: AGING_ROUNDS,
          });
        const atFull = await aging(false);
        const atTenth = await aging(true);
        return { full: agingFigures(atFull), tenth: agingFigures(atTenth) };
      });
    }
  } finally {
    await services.stop();
  }
}

/** Phase 2: batch work timed in this process with the service stopped (nothing else on the CPU of ours). */
async function inProcessBenches(databaseUrl: string): Promise<void> {
  if (runs('tickets')) {
    await part('tickets', 'SLA/escalation scan', async () => {
      const atFull = await measureEscalationScan(databaseUrl, ESCALATION_ROUNDS, volume('tickets'));
      const atTenth = await measureEscalationScan(databaseUrl, ESCALATION_ROUNDS, volume('tickets', true));
      return { full: escalationFigures(atFull), tenth: escalationFigures(atTenth) };
    });
  }
  if (runs('statements')) {
    await part('statements', 'customer statement', async () => {
      const atFull = await measureStatements(databaseUrl, volume('statementInvoices'), STATEMENT_ROUNDS);
      const atTenth = await measureStatements(
        databaseUrl,
        volume('statementInvoices', true),
        STATEMENT_ROUNDS,
      );
      return { full: statementFigures(atFull), tenth: statementFigures(atTenth) };
    });
  }
}

/** Phase 3: benches that start their own service processes on databases of their own. */
async function ownServiceBenches(): Promise<void> {
  if (runs('customers')) {
    await part('customers', 'customer imports and exports', async () => {
      const rows = volume('fileRows');
      const tenth = volume('fileRows', true);
      const r = await measureCustomerFiles([tenth, rows], FILE_ROUNDS);
      const only = (n: number): FilesResult => ({
        ...r,
        imports: r.imports.filter((i) => i.rows === n),
        exports: r.exports.filter((e) => e.rows === n),
      });
      return { full: filesFigures(only(rows)), tenth: filesFigures(only(tenth)) };
    });
  }
  if (runs('bank-accounts')) {
    await part('bank-accounts', 'bank-account setups', async () => {
      const atFull = await measureBankAccounts(volume('setups'));
      const atTenth = await measureBankAccounts(volume('setups', true));
      return { full: bankAccountsFigures(atFull), tenth: bankAccountsFigures(atTenth) };
    });
  }
  if (runs('payments')) {
    await part('payments', 'POST /v1/payments', async () => ({
      full: paymentsFigures(await measurePayments({ duration: DURATION, rounds: ROUNDS, connections: 16 })),
      tenth: null,
    }));
  }
  if (runs('sessions')) {
    await part('sessions', 'authorize and usage', async () => {
      const atFull = await measureSessions(sessionSettings(volume('sessions')));
      const atTenth = await measureSessions(sessionSettings(volume('sessions', true)));
      return { full: sessionsFigures(atFull), tenth: sessionsFigures(atTenth) };
    });
  }
}

/** The sessions bench's sets for `sessions` (its defaults where they fit; smaller in QUICK mode). */
function sessionSettings(sessions: number): Partial<SessionsSettings> {
  const warmIds = Math.min(2000, Math.floor(sessions / 2));
  return {
    sessions,
    seconds: SESSION_SECONDS,
    warmIds,
    hotIds: Math.min(20, warmIds),
    batch: Math.min(500, Math.floor(sessions / 5)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

const num = (n: number | null | undefined): string => {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (a >= 100) return Math.round(n).toLocaleString('en-US');
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(2);
};

const factor = (g: number): string => (g >= 10 ? g.toFixed(0) : g >= 1 ? g.toFixed(1) : g.toFixed(2));

/** V ÷ V/10 of a figure; null where it cannot be formed. */
const growth = (full: number | null, tenth: number | null | undefined): number | null =>
  full === null || tenth === null || tenth === undefined || !Number.isFinite(full) || !(tenth > 0)
    ? null
    : full / tenth;

/** One line saying what the tenfold growth of a figure means. */
function reading(f: Figure, tenth: Figure | undefined): string {
  if (f.work === 'none') return 'no volume to scale: measured once';
  if (!tenth) return 'no figure at V/10';
  if (tenth.note) return `not comparable: at V/10, ${tenth.note}${f.note ? `; at V, ${f.note}` : ''}`;
  const g = growth(f.service, tenth.service);
  if (g === null) {
    return f.service === 0 && tenth.service === 0 ? 'zero at both volumes' : 'not comparable (zero at V/10)';
  }
  // What the growth means in time (per request, per item, or for the whole job): a rate's inverse.
  const t = f.rate ? 1 / g : g;
  const said = f.rate ? `throughput ×${factor(g)}` : `×${factor(g)}`;
  if (f.memory) {
    return t < 1.5
      ? `${said} → flat: memory does not grow with the volume`
      : `${said} → memory grows with the volume`;
  }
  if (f.work === 'fixed') {
    if (t < 0.67) return `${said} → better at V: fixed costs weigh more at V/10, or noise`;
    if (t < 1.5) {
      return f.rate
        ? `${said} → flat: the cost per item does not depend on the volume`
        : `${said} → flat: not volume-bound (an index or a fixed cost bounds it)`;
    }
    if (t < 4) return `${said} → grows sub-linearly: partly volume-bound`;
    if (t <= 15) return `${said} → ≈ linear: scans the volume`;
    return `${said} → super-linear`;
  }
  if (t < 3) return `${said} for ×10 the work → fixed costs dominate at V/10`;
  if (t < 7) return `${said} for ×10 the work → sub-linear: fixed costs amortised`;
  if (t <= 13) return `${said} for ×10 the work → linear: per-row cost steady`;
  return `${said} for ×10 the work → super-linear: per-row cost ×${factor(t / 10)}`;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(pairs: Pair[]): string[] {
  const lines = [
    '| scenario | figure | volume | service | baseline | ratio | seed target / goal | met? | at V/10 | ×growth (bare) | reading |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const pair of pairs) {
    const tenths = new Map((pair.tenth ?? []).map((f) => [`${f.scenario}|${f.measure}`, f]));
    let previous = '';
    for (const f of pair.full) {
      const tenth = tenths.get(`${f.scenario}|${f.measure}`);
      const ratio =
        f.baseline === null || !(f.baseline > 0) || !Number.isFinite(f.service)
          ? '–'
          : `${(f.service / f.baseline).toFixed(2)}×`;
      const g = growth(f.service, tenth?.service);
      const gb = growth(f.baseline, tenth?.baseline);
      const grown =
        g === null
          ? tenth || pair.tenth
            ? '–'
            : 'n/a'
          : `×${factor(g)}${gb === null ? '' : ` (bare ×${factor(gb)})`}`;
      const note = tenth?.note ? '' : (f.note ?? '');
      lines.push(
        `| ${f.scenario === previous ? '' : cell(f.scenario)} | ${cell(f.measure)} | ${cell(f.volume)} | ` +
          `${num(f.service)} | ${num(f.baseline)} | ${ratio} | ${cell(f.target ?? '–')} | ` +
          `${f.met === null ? '–' : f.met ? 'met' : '**missed**'} | ${tenth ? num(tenth.service) : 'n/a'} | ${grown} | ` +
          `${cell(reading(f, tenth) + (note ? `. ${note}` : ''))} |`,
      );
      previous = f.scenario;
    }
  }
  return lines;
}

/** The run's parameters and caveats under a module's table. */
function moduleNotes(m: ReportModule): string[] {
  const rounds = (n: number) => `${n} round${n === 1 ? '' : 's'}`;
  const http =
    `HTTP scenarios: a warm-up, then ${rounds(ROUNDS)}; each round runs ${DURATION} s of service, baseline, ` +
    `service at V/10 and baseline at V/10 in turn at ${HTTP.connections} connections (req/s; latency there ` +
    `includes queueing on the saturated CPU), then the same at ${HTTP.latencyConnections} (the latency a caller ` +
    `sees); medians of the rounds. autocannon's latencies are ` +
    `whole milliseconds, so growth of a few-ms figure is coarse.`;
  switch (m) {
    case 'platform':
      return [http, 'GET /v1/me reads the company row: no volume, measured once (a control for the run).'];
    case 'customers':
      return [
        http,
        `V/10 is another company in the same database with ${count(volume('customers', true))} customers ` +
          `(the other tenants' ${count(50_000)} rows are there at both volumes).`,
        `Imports and exports: ${rounds(FILE_ROUNDS)} per size, on a database of their own with an api and a worker; an ` +
          `import is timed from the first byte uploaded to the import reported finished, an export streams the ` +
          `whole company to nowhere. V/10: a ${count(volume('fileRows', true))}-row file and its company.`,
      ];
    case 'tickets':
      return [
        http,
        `The staff list and the submit run on the customers' bench company, which also holds ` +
          `${count(volume('tickets'))} seeded tickets (30% open; V/10: ${count(volume('tickets', true))}). ` +
          `Analytics reads a company of its own over a fixed 90 days (V/10: the same days, a tenth of the tickets).`,
        `Escalation scan: the real SlaScanner in this process with the service stopped, ` +
          `${rounds(ESCALATION_ROUNDS)}, every tenth open ticket breached and due; bare: the two UPDATEs without any trail.`,
      ];
    case 'invoices':
      return [
        `${rounds(AGING_ROUNDS)}: GET /v1/aging through HTTP, then the very same statement with the same planner ` +
          `settings by a freshly spawned psql -c (process start and connection included; its own \\timing is the ` +
          `"statement alone"). The service checks its totals against psql's first. V/10: ` +
          `${count(volume('invoices', true))} invoices over ${count(volume('agingCustomers', true))} customers.`,
      ];
    case 'statements':
      return [
        `${rounds(STATEMENT_ROUNDS)} in this process with the service stopped: what the worker does ` +
          `(InvoicesService.customerLedger, then renderPdf or renderCsv) beside the ledger SQL alone through pg. ` +
          `The volume is the rest of the company (10 invoices per other customer): the statement's own ` +
          `customer and lines are the same at both.`,
      ];
    case 'notifications':
      return [
        'Queued through POST /v1/notifications (1,000 staff recipients a request), timed until every delivery ' +
          'is sent; bare: a BullMQ worker doing only the inbox insert for the same number of jobs. The count is ' +
          "the bench's own (no issue names one).",
      ];
    case 'bank-accounts':
      return [
        'A burst of setups posted 16 at a time, run by one worker process against the gateway simulator ' +
          '(bank validation after 50 ms), on a database of their own. No bare server exists for this flow: ' +
          "the validation service's own time is the floor. The count is the bench's own (no issue names one).",
      ];
    case 'payments':
      return [
        `${rounds(ROUNDS)} of ${DURATION} s after a warm-up, api + worker + gateway simulator (50 ms); bare: a ` +
          'Fastify route doing the invoice read, the intent and the outbox insert in one transaction. No issue ' +
          'names a volume for payments (a fixed-time load over 200 open invoices), so nothing is scaled.',
      ];
    case 'sessions':
      return [
        `Each run ${SESSION_SECONDS} s after a warm-up of its own, at 1,000 req/s (authorize) and with ` +
          `batches of ${count(sessionSettings(volume('sessions')).batch!)} reports (usage), on a database of their ` +
          `own. Hot: ${sessionSettings(volume('sessions')).hotIds} sessions asked about in turn; warm: ` +
          `${count(sessionSettings(volume('sessions')).warmIds!)}; cold: every other session, each asked once ` +
          `(unless they come round within the cache's 5 s TTL, which the reading says). V/10: ` +
          `${count(volume('sessions', true))} sessions; the hot and warm sets are the same at both, so their ` +
          'figures should not move.',
      ];
  }
}

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function moduleBlock(m: ReportModule, record: ModuleRecord, commit: string): string {
  const seconds = record.parts.reduce((sum, p) => sum + p.seconds, 0);
  const loads = record.parts.flatMap((p) => p.load);
  const lines = [
    blockStart(m),
    `## ${TITLES[m]}`,
    '',
    `Measured ${record.started ? when(record.started) : '?'}${QUICK ? ' (**QUICK mode: 1/100 volumes, a harness check, not figures**)' : ''}, ` +
      `commit ${commit}, ${Math.round(seconds)} s; load average (1 min) over its parts ` +
      `${loads.length ? `${Math.min(...loads)}–${Math.max(...loads)}` : '?'}.`,
    '',
  ];
  const failed = record.parts.filter((p) => p.error);
  for (const p of failed)
    lines.push(`**Not measured: ${p.name}** (after ${Math.round(p.seconds)} s): ${cell(p.error!)}`, '');
  if (record.pairs.length) lines.push(...table(record.pairs), '');
  lines.push(...moduleNotes(m).map((n) => `- ${n}`), blockEnd(m), '');
  return lines.join('\n');
}

interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  redis: string;
}

async function machine(): Promise<Machine> {
  const pg = new Client({ connectionString: ADMIN_URL });
  await pg.connect();
  const postgres = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  await pg.end();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const info = await redis.info('server');
  redis.disconnect();
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgres,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
  };
}

/** The commit measured, and whether the working tree differed from it (other work in progress). */
function commit(): { short: string; dirty: number } {
  try {
    const short = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT })
      .toString()
      .split('\n')
      .filter(Boolean).length;
    return { short, dirty };
  } catch {
    return { short: 'unknown', dirty: 0 };
  }
}

function header(
  m: Machine,
  c: { short: string; dirty: number },
  started: Date,
  finished: Date,
  load: [number[], number[]],
): string {
  const avg = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const minutes = (finished.getTime() - started.getTime()) / 60_000;
  return [
    '_Generated by `npm run bench:report` (bench/report.ts). Everything between the `bench:report` markers is ' +
      'rewritten by the next run; the notes after them are written by hand._',
    '',
    `- **Run:** ${when(started)} → ${when(finished)} (${minutes.toFixed(1)} min), ` +
      (QUICK
        ? '**QUICK mode (1/100 of every volume, 1 s rounds): it checks the harness, its figures mean nothing**'
        : 'the volumes the issues name, and a tenth of each') +
      `; modules: ${MODULES.length === REPORT_MODULES.length ? 'all' : `${MODULES.join(', ')} (the other tables are from earlier runs, each says when)`}.`,
    `- **Commit:** \`${c.short}\`${c.dirty ? ` with ${c.dirty} uncommitted paths in the working tree (other work in progress shares it)` : ''}.`,
    `- **Machine:** ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.kernel}; Node ${m.node}, ` +
      `PostgreSQL ${m.postgres}, Redis ${m.redis}.`,
    `- **Load average** (1 / 5 / 15 min): ${avg(load[0])} at the start, ${avg(load[1])} at the end.`,
    EARLIER_RUN,
    '',
    'The machine is shared: other sessions run builds and test suites on the same 2 cores while the bench runs, ' +
      'and the load generator, the service, its worker, the baseline and PostgreSQL share them too. Absolute ' +
      'figures move by 20% or more from one run to the next; **the ratios within a run are the signal**: ' +
      'service ÷ baseline (measured alternately, seconds apart) and V ÷ V/10 (the HTTP scenarios alternate ' +
      'them within every round too; the other benches measure V/10 right after V).',
    '',
    '**Run it:** `npm run bench:report` (about 40 minutes with the data seeded; the first run seeds it, which adds ' +
      'several minutes). `BENCH_REPORT_ONLY=customers,tickets` runs those modules and replaces only their ' +
      'tables; `BENCH_DURATION` (s per HTTP round, default 4; sessions runs twice that) and `BENCH_ROUNDS` ' +
      '(default 2) trade time for steadiness; `BENCH_REPORT_QUICK=1` runs everything at 1/100 of the volume ' +
      'in a few minutes to check the harness; `BENCH_REPORT_DOC=<file>` writes elsewhere. Modules: ' +
      `${REPORT_MODULES.join(', ')}. Raw results: \`bench/results/report-<time>.json\` (not committed).`,
    '',
    '**Columns:** _service_ and _baseline_ are the same figure for the service and for its bare baseline (the ' +
      'same SQL or work without the platform) in this run; _ratio_ is service ÷ baseline (for a rate below 1 is ' +
      'slower, for a time above 1 is slower); _at V/10_ is the service at a tenth of the volume, measured in the ' +
      'same run; _×growth_ is the figure at V ÷ at V/10 (for the service, and for the baseline in brackets). ' +
      'The reading says what the growth means: a figure whose work does not depend on the volume (one ' +
      'request, one page) should stay flat; a job over the whole volume (an import, the aging totals) should ' +
      'grow about tenfold, and then its cost per row is steady.',
    '',
  ].join('\n');
}

/** Where a partial run's header names the last full run, whose tables it kept. */
const EARLIER_RUN = '<!-- bench:report earlier-run -->';
const RUN_BULLET = /^- \*\*(Run|Commit|Machine|Load average)/;

/** The last full run's header lines in a previous region (itself, or the one a partial run carried over). */
function lastFullRun(region: string): string[] {
  const carried = region.indexOf('**Last full run**');
  const lines = (carried >= 0 ? region.slice(carried) : region).split('\n');
  const bullets = lines.filter((line) => RUN_BULLET.test(line)).slice(0, 4);
  if (carried < 0 && !bullets[0]?.includes('modules: all')) return [];
  return bullets;
}

async function writeDoc(head: string, blocks: Map<ReportModule, string>): Promise<void> {
  const existing = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  let before: string;
  let region = '';
  let after: string;
  const s = existing.indexOf(START);
  const e = existing.indexOf(END);
  if (s >= 0 && e > s) {
    before = existing.slice(0, s);
    region = existing.slice(s + START.length, e);
    after = existing.slice(e + END.length);
  } else {
    const title = existing.indexOf('\n') + 1;
    before = `${existing.slice(0, title)}\n`;
    after = `\n${existing.slice(title)}`;
  }
  const merged = REPORT_MODULES.map((m) => {
    if (blocks.has(m)) return blocks.get(m)!;
    const a = region.indexOf(blockStart(m));
    const b = region.indexOf(blockEnd(m));
    return a >= 0 && b > a ? `${region.slice(a, b + blockEnd(m).length)}\n` : '';
  }).filter(Boolean);
  const earlier = MODULES.length === REPORT_MODULES.length ? [] : lastFullRun(region);
  const withEarlier = head.replace(
    EARLIER_RUN,
    earlier.length
      ? `\n**Last full run** (the tables this run did not measure):\n\n${earlier.join('\n')}`
      : '',
  );
  const text = `${before}${START}\n\n${withEarlier}\n${merged.join('\n')}\n${END}${after}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(DOC)) ?? {};
  writeFileSync(DOC, await prettier.format(text, { ...options, filepath: DOC }));
}

async function main(): Promise<void> {
  const started = new Date();
  const loadStart = loadavg();
  const info = await machine();
  const c = commit();
  process.stderr.write(
    `report: ${QUICK ? 'QUICK ' : ''}modules ${MODULES.join(', ')}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  await serviceBenches();
  await inProcessBenches(ADMIN_URL.replace(/\/[^/]*$/, `/${process.env.BENCH_DATABASE ?? 'custops_bench'}`));
  await ownServiceBenches();
  const finished = new Date();
  const loadEnd = loadavg();

  const blocks = new Map<ReportModule, string>();
  for (const [m, record] of records) blocks.set(m, moduleBlock(m, record, `\`${c.short}\``));
  await writeDoc(header(info, c, started, finished, [loadStart, loadEnd]), blocks);

  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `report-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        quick: QUICK,
        started,
        finished,
        load_average: { start: loadStart, end: loadEnd },
        machine: info,
        commit: c,
        http: HTTP,
        modules: Object.fromEntries(records),
      },
      null,
      2,
    ),
  );
  const failures = [...records.values()].flatMap((r) => r.parts.filter((p) => p.error));
  process.stderr.write(
    `report: wrote ${DOC} and ${file} in ${((finished.getTime() - started.getTime()) / 60_000).toFixed(1)} min` +
      `${failures.length ? `; ${failures.length} part(s) failed: ${failures.map((p) => p.name).join(', ')}` : ''}\n`,
  );
  if (failures.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
