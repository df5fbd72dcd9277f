import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { mintToken } from '../../src/platform/auth/tokens';
import type { Role } from '../../src/platform/auth/principal';
import { TEST_JWT_SECRET } from './app';
import { testEnv } from './env';
import { freePort, ServiceProcess, spawnService } from './processes';
import { waitFor } from './wait';

/**
 * Peers and process helpers for the fault tests (test/faults-*.e2e-spec.ts): real servers on loopback
 * that can hold an answer open while the test kills the process waiting for it.
 */

/** A message an SMTP client sent whole (DATA ended) whose answer the sink is holding back. */
export interface HeldMessage {
  mail: ParsedMail;
  /** The client went away before the sink answered: by SMTP's rules the message was never accepted. */
  abandoned: boolean;
}

/**
 * A real SMTP server on loopback, like test/support/peers.ts's SmtpSink, that can hold its answer to DATA:
 * while `holding`, a message read whole waits in `held` without the final 250, so the sending process can
 * be killed after the message went over the wire and before the server accepted it. A held message whose
 * client disconnects is marked abandoned and never counts as accepted; `release()` accepts the rest.
 * `acceptDelayMs` slows every answer instead (a message whose client goes away meanwhile is not accepted).
 */
export class HoldingSmtpSink {
  /** Accepted messages: the server answered 250 to their DATA. */
  readonly messages: ParsedMail[] = [];
  /** Messages held while `holding`, accepted or abandoned since. */
  readonly held: HeldMessage[] = [];
  /** Messages sent whole whose client went away before the answer (held or delayed): never accepted. */
  readonly abandoned: ParsedMail[] = [];
  holding = false;
  /** When not holding: how long each answer to DATA takes (a slow mail server). */
  acceptDelayMs = 0;
  private readonly waiting = new Map<string, { message: HeldMessage; accept: () => void }>();
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const accept = () => {
              this.messages.push(mail);
              callback();
            };
            if (!this.holding && this.acceptDelayMs === 0) return accept();
            const message: HeldMessage = { mail, abandoned: false };
            this.waiting.set(session.id, { message, accept });
            if (this.holding) {
              this.held.push(message);
              return;
            }
            setTimeout(() => {
              if (this.waiting.get(session.id)?.message !== message) return;
              this.waiting.delete(session.id);
              accept();
            }, this.acceptDelayMs);
          })
          .catch(callback);
      },
      onClose: (session) => {
        const waiting = this.waiting.get(session.id);
        if (!waiting) return;
        this.waiting.delete(session.id);
        waiting.message.abandoned = true;
        this.abandoned.push(waiting.message.mail);
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops holding and accepts every held message whose client is still connected. */
  release(): void {
    this.holding = false;
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      waiting.accept();
    }
  }

  /** Accepted messages carrying this `X-Custops-Delivery` header (the notification delivery's id). */
  acceptedFor(deliveryId: string): ParsedMail[] {
    return this.messages.filter((mail) => mail.headers.get('x-custops-delivery') === deliveryId);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }
}

/** A request the validation stub received, and whether it was answered or its client went away first. */
export interface HeldRequest {
  path: string;
  body: string;
  answered: boolean;
  abandoned: boolean;
}

/**
 * A real HTTP server on loopback standing in for the bank validation service (`POST /bank/validate`,
 * answering `{ validation_score, valid }` as the gateway simulator does). While `holding`, it reads a
 * request whole and keeps the response open, so the caller can be killed mid-call.
 */
export class HoldingValidationStub {
  readonly requests: HeldRequest[] = [];
  holding = false;
  answer = { validation_score: 0.97, valid: true };
  private readonly open = new Set<{ request: HeldRequest; res: ServerResponse }>();
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: HeldRequest = {
          path: req.url ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
          answered: false,
          abandoned: false,
        };
        this.requests.push(request);
        const entry = { request, res };
        res.on('close', () => {
          this.open.delete(entry);
          if (!request.answered) request.abandoned = true;
        });
        if (this.holding) this.open.add(entry);
        else this.respond(entry);
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Stops holding and answers every held request whose client is still there. */
  release(): void {
    this.holding = false;
    for (const entry of this.open) this.respond(entry);
  }

  private respond(entry: { request: HeldRequest; res: ServerResponse }): void {
    entry.request.answered = true;
    this.open.delete(entry);
    entry.res.writeHead(200, { 'content-type': 'application/json' });
    entry.res.end(JSON.stringify(this.answer));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Spawns `dist/src/main.js` in a role and waits for its `app.start` line (LOG_LEVEL must show info). The
 * process is added to `into` at once, so a test that fails while it boots still stops it.
 */
export async function startRole(
  role: 'api' | 'worker',
  env: Record<string, string>,
  into: ServiceProcess[],
): Promise<ServiceProcess & { url: string }> {
  const port = role === 'api' ? await freePort() : 0;
  const service = spawnService('main', { ...env, APP_ROLE: role, PORT: String(port) });
  into.push(service);
  // A boot takes a few seconds of CPU; on a machine shared with other test files it can take far longer.
  try {
    await waitFor(
      () => {
        if (service.child.exitCode !== null) throw new Error(`exited with ${service.child.exitCode}`);
        return service.lines.find((line) => line.operation === 'app.start');
      },
      { what: `the ${role} to start`, timeoutMs: 120_000 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message} (stderr: ${service.stderr.join('').slice(-500)})`);
  }
  return Object.assign(service, { url: `http://127.0.0.1:${port}` });
}

/** BullMQ's own job counts of one queue, read with the service's key prefix (what the workers see). */
export async function queueCounts(prefix: string, name: string): Promise<Record<string, number>> {
  const url = new URL(testEnv.redisUrl());
  const queue = new Queue(name, {
    prefix,
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: 1 },
  });
  try {
    return await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  } finally {
    await queue.close();
  }
}

/** A bearer header for a staff token of `companyId`. */
export async function bearer(companyId: string, role: Role = 'admin'): Promise<{ authorization: string }> {
  const token = await mintToken(TEST_JWT_SECRET, {
    companyId,
    roles: [role],
    userId: `${role}-${randomUUID().slice(0, 8)}`,
  });
  return { authorization: `Bearer ${token}` };
}

/** What became of one HTTP request: an answer, or the connection failing before one arrived. */
export type HttpOutcome = { status: number; body: unknown } | { error: string };

/**
 * Sends one JSON request over `agent` (a fresh connection per request when none is given), resolving with
 * the answer or with the connection error's code (ECONNREFUSED, ECONNRESET …), never rejecting.
 */
export function sendJson(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  agent: Agent | false = false,
): Promise<HttpOutcome> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = httpRequest(
      new URL(path, baseUrl),
      {
        method,
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(payload);
  });
}
