import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { count, type Figure } from './figures';

export interface DrainResult {
  notifications: number;
  service_per_second: number;
  baseline_per_second: number;
  ratio: number;
}

const RECIPIENTS_PER_REQUEST = 1000;

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('drain did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Queues `count` in-app notifications through the API (1000 staff recipients per request) and times
 * until every delivery is sent: outbox relay, one BullMQ job per delivery, claim, inbox insert, status.
 */
async function drainService(baseUrl: string, token: string, pool: Pool, count: number): Promise<number> {
  const marker = randomUUID();
  const started = performance.now();
  for (let sent = 0; sent < count; sent += RECIPIENTS_PER_REQUEST) {
    const recipients = Array.from({ length: Math.min(RECIPIENTS_PER_REQUEST, count - sent) }, (_, i) => ({
      kind: 'user',
      id: `bench-${marker}-${sent + i}`,
      channels: ['in_app'],
    }));
    const response = await fetch(`${baseUrl}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        type: 'maintenance.scheduled',
        data: { severity: 'normal', service: 'bench', starts_at: 'now', ends_at: 'later', message: marker },
        recipients,
      }),
    });
    if (response.status !== 202)
      throw new Error(`POST /v1/notifications answered ${response.status}: ${await response.text()}`);
  }
  await waitUntil(async () => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification_deliveries WHERE recipient_id LIKE $1 AND status = 'sent'`,
      [`bench-${marker}-%`],
    );
    return rows[0].n >= count;
  }, 600_000);
  return count / ((performance.now() - started) / 1000);
}

/** The bare baseline: the same number of BullMQ jobs, each doing only the inbox insert. */
async function drainBaseline(redisUrl: string, prefix: string, pool: Pool, count: number): Promise<number> {
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const name = `bench-drain-${randomUUID()}`;
  const queue = new Queue(name, { connection, prefix });
  let done = 0;
  const worker = new Worker(
    name,
    async (job) => {
      await pool.query(
        `INSERT INTO in_app_notifications (company_id, delivery_id, recipient_kind, recipient_id, type, title, body)
         VALUES ($1, $2, 'user', $3, 'bench', 'bench', 'bench')`,
        [job.data.companyId, randomUUID(), job.data.recipient],
      );
      done += 1;
    },
    { connection, prefix, concurrency: 8 },
  );
  const started = performance.now();
  const companyId = randomUUID();
  for (let sent = 0; sent < count; sent += RECIPIENTS_PER_REQUEST) {
    await queue.addBulk(
      Array.from({ length: Math.min(RECIPIENTS_PER_REQUEST, count - sent) }, (_, i) => ({
        name: 'deliver',
        data: { companyId, recipient: `bare-${sent + i}` },
        opts: { jobId: randomUUID(), removeOnComplete: true },
      })),
    );
  }
  await waitUntil(() => Promise.resolve(done >= count), 600_000);
  const rate = count / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

export async function measureDrain(
  baseUrl: string,
  token: string,
  pool: Pool,
  redisUrl: string,
  prefix: string,
  count = Number(process.env.BENCH_DRAIN_COUNT ?? 10_000),
): Promise<DrainResult> {
  const service = await drainService(baseUrl, token, pool, count);
  const baseline = await drainBaseline(redisUrl, prefix, pool, count);
  return {
    notifications: count,
    service_per_second: service,
    baseline_per_second: baseline,
    ratio: service / baseline,
  };
}

/** The report's row: notifications delivered per second, beside a bare BullMQ worker doing the inbox insert. */
export function drainFigures(r: DrainResult): Figure[] {
  return [
    {
      module: 'notifications',
      scenario: `In-app notifications drain (POST /v1/notifications, ${RECIPIENTS_PER_REQUEST} recipients a request → all sent)`,
      measure: 'delivered/s (bare: BullMQ job + inbox insert)',
      volume: `${count(r.notifications)} notifications`,
      service: r.service_per_second,
      baseline: r.baseline_per_second,
      rate: true,
      work: 'fixed',
      target: null,
      met: null,
    },
  ];
}
