import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Timestamped HMAC-SHA256 signatures for server-to-server callbacks (the payment gateway's STK
 * callbacks, and the gateway simulator that imitates it). Pure: no Nest, no I/O, so the simulator
 * that signs and the service adapter that verifies share one definition of the wire format.
 *
 * Signed payload: `${timestamp}.${rawBody}` (timestamp in unix seconds, also sent in its own header),
 * so a captured body cannot be replayed later with a fresh timestamp.
 * Header value: `sha256=<lowercase hex>`.
 */
export const GATEWAY_SIGNATURE_HEADER = 'x-gateway-signature';
export const GATEWAY_TIMESTAMP_HEADER = 'x-gateway-timestamp';

/** Default tolerance between the signer's clock and ours: five minutes either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SCHEME = 'sha256=';

export function signGatewayPayload(
  secret: string,
  timestamp: number | string,
  body: string | Buffer,
): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `${SCHEME}${mac.digest('hex')}`;
}

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifyGatewaySignatureInput {
  secret: string;
  /** The raw `x-gateway-signature` header value. */
  signature: string | string[] | undefined;
  /** The raw `x-gateway-timestamp` header value (unix seconds). */
  timestamp: string | string[] | undefined;
  /** The raw request body exactly as received (never a re-serialised object). */
  body: string | Buffer;
  /** Our clock, in unix seconds. */
  nowSeconds: number;
  toleranceSeconds?: number;
}

/**
 * Checks a callback's signature in constant time and rejects timestamps outside the tolerance window.
 * Returns why a check failed so the caller can log and count it; it never throws on bad input.
 */
export function verifyGatewaySignature(input: VerifyGatewaySignatureInput): SignatureCheck {
  const signature = single(input.signature);
  const timestamp = single(input.timestamp);
  if (signature === undefined || timestamp === undefined || input.secret === '') {
    return { ok: false, reason: 'missing' };
  }
  if (!/^\d{1,12}$/.test(timestamp) || !signature.startsWith(SCHEME))
    return { ok: false, reason: 'malformed' };
  const provided = signature.slice(SCHEME.length);
  if (!/^[0-9a-f]{64}$/i.test(provided)) return { ok: false, reason: 'malformed' };

  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - Number(timestamp)) > tolerance) return { ok: false, reason: 'stale' };

  const expected = Buffer.from(
    signGatewayPayload(input.secret, timestamp, input.body).slice(SCHEME.length),
    'hex',
  );
  const actual = Buffer.from(provided, 'hex');
  // Both are 32 bytes here (the regex above fixes the length), so timingSafeEqual cannot throw.
  return timingSafeEqual(expected, actual) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value === '' ? undefined : value;
}
