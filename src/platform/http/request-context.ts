import type { Principal } from '../auth/principal';

/** Keys under which the platform hangs per-request facts on the raw Node request. */
export const CORRELATION_ID = Symbol.for('custops.correlation_id');
export const PRINCIPAL = Symbol.for('custops.principal');
/** Set on machine-to-machine calls made at high rates (an access controller's polling). */
export const HIGH_VOLUME = Symbol.for('custops.high_volume');

export interface RawRequestContext {
  [CORRELATION_ID]?: string;
  [PRINCIPAL]?: Principal;
  [HIGH_VOLUME]?: true;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is safe to echo and log, otherwise a fresh uuid. */
export function correlationIdFrom(header: string | string[] | undefined, generate: () => string): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID_PATTERN.test(value) ? value : generate();
}
