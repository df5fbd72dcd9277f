import {
  describeGatewayResult,
  GATEWAY_RESULT_CODES,
  GATEWAY_SUCCESS_CODE,
  isGatewayResultCode,
} from './result-codes';

describe('GATEWAY_RESULT_CODES', () => {
  it('holds each Daraja-like STK result once, by code and by name', () => {
    const codes = GATEWAY_RESULT_CODES.map((entry) => entry.code);
    expect([...codes].sort((a, b) => a - b)).toEqual([0, 1, 1001, 1019, 1032, 1037, 2001, 9999]);
    expect(new Set(GATEWAY_RESULT_CODES.map((entry) => entry.name)).size).toBe(GATEWAY_RESULT_CODES.length);
    for (const entry of GATEWAY_RESULT_CODES) expect(entry.description.length).toBeGreaterThan(0);
  });

  it('has exactly one success, and tells customer outcomes from provider failures', () => {
    expect(GATEWAY_RESULT_CODES.filter((entry) => entry.kind === 'success')).toEqual([
      expect.objectContaining({ code: GATEWAY_SUCCESS_CODE }),
    ]);
    expect(describeGatewayResult(1032)).toMatchObject({ name: 'cancelled_by_user', kind: 'customer' });
    expect(describeGatewayResult(1)).toMatchObject({ name: 'insufficient_balance', kind: 'customer' });
    expect(describeGatewayResult(1001)).toMatchObject({ name: 'system_busy', kind: 'provider' });
    expect(describeGatewayResult(9999)).toMatchObject({ name: 'system_error', kind: 'provider' });
  });

  it('recognises only the codes in the table', () => {
    expect(isGatewayResultCode(2001)).toBe(true);
    expect(isGatewayResultCode(2002)).toBe(false);
    expect(isGatewayResultCode('0')).toBe(false);
  });
});
