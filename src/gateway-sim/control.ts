import { GATEWAY_SUCCESS_CODE, GatewayResultCode, isGatewayResultCode } from './result-codes';

export const CALLBACK_MODES = ['send', 'drop', 'duplicate'] as const;
export type CallbackMode = (typeof CALLBACK_MODES)[number];

/**
 * How the simulator behaves right now. Set at start, changed with `POST /__control` (a partial patch)
 * and restored to the start values by `POST /__reset`. Field names are snake_case because this is
 * what travels over HTTP.
 */
export interface GatewayControl {
  /** Delay before every gateway answer (not the control endpoints). */
  latency_ms: number;
  /** Delay between accepting an STK push and sending its callback. */
  callback_delay_ms: number;
  /** Share of gateway requests (0..1) answered with `fail_status ?? 500`, drawn from a seeded PRNG. */
  fail_rate: number;
  /** With fail_rate 0: every gateway request answers this status. With fail_rate > 0: the failures' status. */
  fail_status: number | null;
  /** Accept gateway requests and never answer them (the client's timeout fires). */
  hang: boolean;
  /** Reset the connection of every gateway request as soon as it arrives. */
  refuse: boolean;
  /** Path prefixes the four faults above apply to; empty means every gateway path. */
  fault_paths: string[];
  /** What happens to the STK callback: sent once, never sent (lost), or sent twice (replayed). */
  callback: CallbackMode;
  /** Result for a phone not in result_code_for_phone. */
  default_result_code: GatewayResultCode;
  /** Deterministic outcomes: phone (as sent in /stk/initiate) → result code. */
  result_code_for_phone: Record<string, GatewayResultCode>;
  /** Deterministic bank validation scores: routing number → score in 0..1 (valid when ≥ 0.5). */
  bank_score_for_routing: Record<string, number>;
  /** Seed of the PRNG behind fail_rate; setting it restarts the sequence. */
  seed: number;
}

export const DEFAULT_CONTROL: GatewayControl = {
  latency_ms: 0,
  callback_delay_ms: 0,
  fail_rate: 0,
  fail_status: null,
  hang: false,
  refuse: false,
  fault_paths: [],
  callback: 'send',
  default_result_code: GATEWAY_SUCCESS_CODE,
  result_code_for_phone: {},
  bank_score_for_routing: {},
  seed: 1,
};

export type ControlPatch = Partial<GatewayControl>;

export interface FieldError {
  field: string;
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonNegativeInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Validates an untrusted patch (from HTTP) and merges it over `current`; unknown keys are errors. */
export function applyControlPatch(
  current: GatewayControl,
  patch: unknown,
): { control: GatewayControl; errors: [] } | { control?: undefined; errors: FieldError[] } {
  if (!isRecord(patch)) return { errors: [{ field: '', message: 'must be a JSON object' }] };
  const next: GatewayControl = {
    ...current,
    fault_paths: [...current.fault_paths],
    result_code_for_phone: { ...current.result_code_for_phone },
    bank_score_for_routing: { ...current.bank_score_for_routing },
  };
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });

  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'latency_ms':
      case 'callback_delay_ms':
        if (isNonNegativeInt(value)) next[key] = value;
        else fail(key, 'must be a non-negative integer (milliseconds)');
        break;
      case 'seed':
        if (isNonNegativeInt(value)) next.seed = value;
        else fail(key, 'must be a non-negative integer');
        break;
      case 'fail_rate':
        if (typeof value === 'number' && value >= 0 && value <= 1) next.fail_rate = value;
        else fail(key, 'must be a number between 0 and 1');
        break;
      case 'fail_status':
        if (
          value === null ||
          (Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599)
        ) {
          next.fail_status = value as number | null;
        } else fail(key, 'must be an HTTP status 400..599, or null');
        break;
      case 'hang':
      case 'refuse':
        if (typeof value === 'boolean') next[key] = value;
        else fail(key, 'must be a boolean');
        break;
      case 'fault_paths':
        if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item.startsWith('/'))) {
          next.fault_paths = value as string[];
        } else fail(key, 'must be an array of path prefixes starting with /');
        break;
      case 'callback':
        if (CALLBACK_MODES.includes(value as CallbackMode)) next.callback = value as CallbackMode;
        else fail(key, `must be one of ${CALLBACK_MODES.join(', ')}`);
        break;
      case 'default_result_code':
        if (isGatewayResultCode(value)) next.default_result_code = value;
        else fail(key, 'must be a code from GATEWAY_RESULT_CODES');
        break;
      case 'result_code_for_phone':
        if (!isRecord(value)) fail(key, 'must be an object of phone → result code');
        else {
          for (const [phone, code] of Object.entries(value)) {
            if (isGatewayResultCode(code)) next.result_code_for_phone[phone] = code;
            else fail(`${key}.${phone}`, 'must be a code from GATEWAY_RESULT_CODES');
          }
        }
        break;
      case 'bank_score_for_routing':
        if (!isRecord(value)) fail(key, 'must be an object of routing number → score');
        else {
          for (const [routing, score] of Object.entries(value)) {
            if (typeof score === 'number' && score >= 0 && score <= 1)
              next.bank_score_for_routing[routing] = score;
            else fail(`${key}.${routing}`, 'must be a number between 0 and 1');
          }
        }
        break;
      default:
        fail(key, 'is not a control field');
    }
  }
  return errors.length > 0 ? { errors } : { control: next, errors: [] };
}

/** mulberry32: a tiny seeded PRNG, so a fail_rate run is the same sequence every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ABA routing-number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaChecksumValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const d = [...routing].map(Number);
  const sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
  return sum % 10 === 0;
}
