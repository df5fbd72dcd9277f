/**
 * The result codes of the simulated mobile-money STK push, modelled on Safaricom Daraja's STK callback
 * `ResultCode`s. This is the wire vocabulary of the gateway: the simulator sends these codes and the
 * payments adapter maps them to our error classes and retry policy (that mapping is the service's
 * decision, so it is not made here; `kind` only says who caused the outcome).
 */
export const GATEWAY_RESULT_CODES = [
  {
    code: 0,
    name: 'success',
    description: 'The service request is processed successfully.',
    kind: 'success',
  },
  {
    code: 1,
    name: 'insufficient_balance',
    description: 'The balance is insufficient for the transaction.',
    kind: 'customer',
  },
  {
    code: 1001,
    name: 'system_busy',
    description: 'Unable to lock subscriber, a transaction is already in process for the current subscriber.',
    kind: 'provider',
  },
  { code: 1019, name: 'transaction_expired', description: 'Transaction has expired.', kind: 'customer' },
  { code: 1032, name: 'cancelled_by_user', description: 'Request cancelled by user.', kind: 'customer' },
  {
    code: 1037,
    name: 'user_unreachable',
    description: 'DS timeout user cannot be reached.',
    kind: 'customer',
  },
  { code: 2001, name: 'wrong_pin', description: 'The initiator information is invalid.', kind: 'customer' },
  {
    code: 9999,
    name: 'system_error',
    description: 'System error: the request could not be processed.',
    kind: 'provider',
  },
] as const;

export type GatewayResultCodeEntry = (typeof GATEWAY_RESULT_CODES)[number];
export type GatewayResultCode = GatewayResultCodeEntry['code'];
export type GatewayResultName = GatewayResultCodeEntry['name'];

export const GATEWAY_SUCCESS_CODE = 0 satisfies GatewayResultCode;

export function isGatewayResultCode(value: unknown): value is GatewayResultCode {
  return GATEWAY_RESULT_CODES.some((entry) => entry.code === value);
}

export function describeGatewayResult(code: GatewayResultCode): GatewayResultCodeEntry {
  // The type guarantees a match: every GatewayResultCode comes from the table.
  return GATEWAY_RESULT_CODES.find((entry) => entry.code === code)!;
}
