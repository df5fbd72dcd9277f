import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GATEWAY_SIGNATURE_HEADER,
  GATEWAY_TIMESTAMP_HEADER,
  signGatewayPayload,
} from '../platform/http/hmac-signature';
import {
  abaChecksumValid,
  applyControlPatch,
  CallbackMode,
  ControlPatch,
  DEFAULT_CONTROL,
  FieldError,
  GatewayControl,
  seededRandom,
} from './control';
import { describeGatewayResult, GATEWAY_SUCCESS_CODE, GatewayResultCode } from './result-codes';

/**
 * The payment gateway simulator: a real HTTP server imitating a mobile-money STK-push provider
 * (Daraja-like: initiate, then a signed asynchronous callback, plus a status query for reconciliation)
 * and a bank-account validation service. Tests and benches steer it through `/__control`.
 * Deterministic unless `fail_rate` is set, and then driven by a seeded PRNG.
 */
export interface GatewaySimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Shared secret for callback signatures. */
  secret: string;
  latencyMs?: number;
  callbackDelayMs?: number;
  /** Any other control values to start with (and return to on reset). */
  control?: ControlPatch;
  /** Clock for callback timestamps, in ms (defaults to Date.now). */
  now?: () => number;
  /** Where the simulator reports what it does (main.ts prints JSON lines; tests pass nothing). */
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** How long a callback POST may take before it counts as failed. */
  callbackTimeoutMs?: number;
}

export interface ReceivedGatewayRequest {
  seq: number;
  method: string;
  path: string;
  body: unknown;
  received_at: string;
  /** 'pending' while latency runs; 'hung' and 'refused' are the simulated faults. */
  outcome: 'pending' | 'answered' | 'hung' | 'refused';
  status?: number;
}

export interface StkTransaction {
  checkout_request_id: string;
  reference: string;
  phone: string;
  amount_minor: number;
  currency: string;
  callback_url: string;
  callback: CallbackMode;
  status: 'pending' | 'completed';
  result_code: GatewayResultCode;
  result_desc: string;
  provider_reference?: string;
  created_at: string;
  completed_at?: string;
}

export interface CallbackDelivery {
  checkout_request_id: string;
  url: string;
  /** 1, or 2 for the duplicate; 0 when the callback was dropped on purpose. */
  attempt: number;
  dropped: boolean;
  status?: number;
  error?: string;
  sent_at: string;
}

export interface GatewaySimulator {
  readonly url: string;
  readonly port: number;
  /** Changes behaviour, exactly like `POST /__control`; throws on an invalid patch. */
  control(patch: ControlPatch): GatewayControl;
  currentControl(): GatewayControl;
  /** Forgets requests, transactions and callbacks and restores the start control, like `POST /__reset`. */
  reset(): void;
  requests(): ReceivedGatewayRequest[];
  transaction(checkoutRequestId: string): StkTransaction | undefined;
  callbacks(): CallbackDelivery[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

export async function startGatewaySimulator(options: GatewaySimulatorOptions): Promise<GatewaySimulator> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const callbackTimeoutMs = options.callbackTimeoutMs ?? 5_000;
  const startPatch: ControlPatch = {
    ...(options.latencyMs !== undefined ? { latency_ms: options.latencyMs } : {}),
    ...(options.callbackDelayMs !== undefined ? { callback_delay_ms: options.callbackDelayMs } : {}),
    ...options.control,
  };
  const initial = applyControlPatch(DEFAULT_CONTROL, startPatch);
  if (!initial.control) throw new Error(`Invalid gateway simulator options: ${formatErrors(initial.errors)}`);
  const startControl = initial.control;

  let control = startControl;
  let random = seededRandom(control.seed);
  let sequence = 0;
  let requests: ReceivedGatewayRequest[] = [];
  let transactions = new Map<string, StkTransaction>();
  let deliveries: CallbackDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hung = new Set<ServerResponse>();
  const closing = new AbortController();

  const setControl = (patch: unknown): GatewayControl => {
    const result = applyControlPatch(control, patch);
    if (!result.control) throw new HttpError(400, { error: 'invalid_control', errors: result.errors });
    const reseed = result.control.seed !== control.seed;
    control = result.control;
    if (reseed) random = seededRandom(control.seed);
    log('control', { control });
    return control;
  };

  const reset = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const res of hung) res.destroy();
    control = startControl;
    random = seededRandom(control.seed);
    sequence = 0;
    requests = [];
    transactions = new Map();
    deliveries = [];
  };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const sleep = (ms: number) =>
    ms > 0 ? new Promise<void>((resolve) => later(ms, resolve)) : Promise.resolve();

  // ---- callbacks -------------------------------------------------------------------------------

  const deliver = async (tx: StkTransaction, body: string, timestamp: number, attempt: number) => {
    const delivery: CallbackDelivery = {
      checkout_request_id: tx.checkout_request_id,
      url: tx.callback_url,
      attempt,
      dropped: false,
      sent_at: new Date(now()).toISOString(),
    };
    deliveries.push(delivery);
    try {
      const response = await fetch(tx.callback_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [GATEWAY_TIMESTAMP_HEADER]: String(timestamp),
          [GATEWAY_SIGNATURE_HEADER]: signGatewayPayload(options.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(callbackTimeoutMs)]),
      });
      delivery.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      // fetch hides the socket error in `cause` ("fetch failed" alone says nothing).
      const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
      delivery.error =
        error instanceof Error ? `${error.message}${cause?.code ? ` (${cause.code})` : ''}` : String(error);
    }
    log('callback', { ...delivery });
  };

  const complete = async (tx: StkTransaction) => {
    tx.status = 'completed';
    tx.completed_at = new Date(now()).toISOString();
    if (tx.callback === 'drop') {
      deliveries.push({
        checkout_request_id: tx.checkout_request_id,
        url: tx.callback_url,
        attempt: 0,
        dropped: true,
        sent_at: tx.completed_at,
      });
      log('callback_dropped', { checkout_request_id: tx.checkout_request_id });
      return;
    }
    // One body, one timestamp: the duplicate is a byte-for-byte replay, as a provider retry would be.
    const body = JSON.stringify({
      checkout_request_id: tx.checkout_request_id,
      reference: tx.reference,
      result_code: tx.result_code,
      result_desc: tx.result_desc,
      ...(tx.provider_reference ? { provider_reference: tx.provider_reference } : {}),
      amount_minor: tx.amount_minor,
      currency: tx.currency,
    });
    const timestamp = Math.floor(now() / 1000);
    await deliver(tx, body, timestamp, 1);
    if (tx.callback === 'duplicate' && !closing.signal.aborted) await deliver(tx, body, timestamp, 2);
  };

  // ---- gateway routes ----------------------------------------------------------------------------

  const initiate = (body: unknown) => {
    const input = asObject(body);
    const errors: FieldError[] = [];
    const reference = input.reference;
    const phone = input.phone;
    const amount = input.amount_minor;
    const currency = input.currency;
    const callbackUrl = input.callback_url;
    if (typeof reference !== 'string' || reference.length === 0 || reference.length > 64) {
      errors.push({ field: 'reference', message: 'must be a string of 1..64 characters' });
    }
    if (typeof phone !== 'string' || !/^\+?\d{9,15}$/.test(phone)) {
      errors.push({ field: 'phone', message: 'must be a phone number in international format' });
    }
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      errors.push({ field: 'amount_minor', message: 'must be a positive integer (minor units)' });
    }
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      errors.push({ field: 'currency', message: 'must be an ISO 4217 code' });
    }
    if (typeof callbackUrl !== 'string' || !isHttpUrl(callbackUrl)) {
      errors.push({ field: 'callback_url', message: 'must be an http(s) URL' });
    }
    if (errors.length > 0) throw new HttpError(400, { error: 'invalid_request', errors });

    sequence += 1;
    const resultCode = control.result_code_for_phone[phone as string] ?? control.default_result_code;
    const tx: StkTransaction = {
      checkout_request_id: `ws_CO_${String(sequence).padStart(10, '0')}`,
      reference: reference as string,
      phone: phone as string,
      amount_minor: amount as number,
      currency: currency as string,
      callback_url: callbackUrl as string,
      callback: control.callback,
      status: 'pending',
      result_code: resultCode,
      result_desc: describeGatewayResult(resultCode).description,
      provider_reference:
        resultCode === GATEWAY_SUCCESS_CODE
          ? `SIM${sequence.toString(36).toUpperCase().padStart(7, '0')}`
          : undefined,
      created_at: new Date(now()).toISOString(),
    };
    transactions.set(tx.checkout_request_id, tx);
    later(control.callback_delay_ms, () => void complete(tx));
    return { checkout_request_id: tx.checkout_request_id, status: 'accepted' };
  };

  const status = (checkoutRequestId: string) => {
    const tx = transactions.get(checkoutRequestId);
    if (!tx) throw new HttpError(404, { error: 'not_found', checkout_request_id: checkoutRequestId });
    return statusView(tx);
  };

  const validateBank = (body: unknown) => {
    const input = asObject(body);
    const errors: FieldError[] = [];
    const routing = input.routing_number;
    if (typeof routing !== 'string' || !/^\d{9}$/.test(routing)) {
      errors.push({ field: 'routing_number', message: 'must be 9 digits' });
    }
    if (typeof input.account_number_last4 !== 'string' || !/^\d{4}$/.test(input.account_number_last4)) {
      errors.push({ field: 'account_number_last4', message: 'must be 4 digits' });
    }
    if (input.account_type !== 'checking' && input.account_type !== 'savings') {
      errors.push({ field: 'account_type', message: 'must be checking or savings' });
    }
    if (errors.length > 0) throw new HttpError(400, { error: 'invalid_request', errors });
    const checksum = abaChecksumValid(routing as string);
    const score = control.bank_score_for_routing[routing as string] ?? (checksum ? 0.92 : 0.1);
    return { validation_score: score, valid: score >= 0.5, checks: { routing_checksum: checksum } };
  };

  const route = (method: string, path: string, body: unknown): Record<string, unknown> => {
    if (method === 'POST' && path === '/stk/initiate') return initiate(body);
    const statusMatch = /^\/stk\/status\/([^/]+)$/.exec(path);
    if (method === 'GET' && statusMatch) return status(decodeURIComponent(statusMatch[1]));
    if (method === 'POST' && path === '/bank/validate') return validateBank(body);
    throw new HttpError(404, { error: 'not_found', path });
  };

  const faultApplies = (path: string) =>
    control.fault_paths.length === 0 || control.fault_paths.some((prefix) => path.startsWith(prefix));

  const handleGateway = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const record: ReceivedGatewayRequest = {
      seq: requests.length + 1,
      method: req.method ?? 'GET',
      path,
      body: undefined,
      received_at: new Date(now()).toISOString(),
      outcome: 'pending',
    };
    requests.push(record);
    try {
      await answerGateway(req, res, path, record);
    } catch (error) {
      if (record.outcome === 'pending') {
        record.outcome = 'answered';
        record.status = error instanceof HttpError ? error.status : 500;
      }
      throw error;
    }
  };

  const answerGateway = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    record: ReceivedGatewayRequest,
  ) => {
    const faulty = faultApplies(path);
    if (faulty && control.refuse) {
      record.outcome = 'refused';
      req.socket.destroy();
      return;
    }
    record.body = await readJson(req);
    if (faulty && control.hang) {
      record.outcome = 'hung';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    await sleep(control.latency_ms);
    if (faulty && (control.fail_rate > 0 ? random() < control.fail_rate : control.fail_status !== null)) {
      const failStatus = control.fail_status ?? 500;
      record.outcome = 'answered';
      record.status = failStatus;
      send(res, failStatus, { error: 'simulated_failure', status: failStatus });
      return;
    }
    const answer = route(record.method, path, record.body);
    record.outcome = 'answered';
    record.status = 200;
    send(res, 200, answer);
  };

  // ---- control routes ----------------------------------------------------------------------------

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? 'GET';
    if (path === '/__control' && method === 'GET') return send(res, 200, control);
    if (path === '/__control' && method === 'POST') return send(res, 200, setControl(await readJson(req)));
    if (path === '/__reset' && method === 'POST') {
      reset();
      return send(res, 200, control);
    }
    if (path === '/__requests' && method === 'GET') return send(res, 200, { data: requests });
    if (path === '/__callbacks' && method === 'GET') return send(res, 200, { data: deliveries });
    if (path === '/__health' && method === 'GET') return send(res, 200, { status: 'ok' });
    throw new HttpError(404, { error: 'not_found', path });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway-sim').pathname;
    const handler = path.startsWith('/__') ? handleControl : handleGateway;
    handler(req, res, path).catch((error: unknown) => {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(500, { error: 'internal', message: String(error) });
      if (!res.headersSent && !res.destroyed) send(res, failure.status, failure.body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('listening', { url, control });

  return {
    url,
    port,
    control: (patch) => {
      try {
        return setControl(patch);
      } catch (error) {
        if (error instanceof HttpError) throw new Error(formatErrors(error.body.errors as FieldError[]));
        throw error;
      }
    },
    currentControl: () => control,
    reset,
    requests: () => [...requests],
    transaction: (id) => transactions.get(id),
    callbacks: () => [...deliveries],
    close: async () => {
      closing.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const res of hung) res.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export function statusView(tx: StkTransaction): Record<string, unknown> {
  return {
    checkout_request_id: tx.checkout_request_id,
    reference: tx.reference,
    status: tx.status,
    amount_minor: tx.amount_minor,
    currency: tx.currency,
    ...(tx.status === 'completed'
      ? {
          result_code: tx.result_code,
          result_desc: tx.result_desc,
          ...(tx.provider_reference ? { provider_reference: tx.provider_reference } : {}),
          completed_at: tx.completed_at,
        }
      : {}),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { error: 'payload_too_large' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { error: 'invalid_json' });
  }
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new HttpError(400, {
    error: 'invalid_request',
    errors: [{ field: '', message: 'must be a JSON object' }],
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

function formatErrors(errors: FieldError[]): string {
  return errors.map((error) => `${error.field} ${error.message}`).join('; ');
}
