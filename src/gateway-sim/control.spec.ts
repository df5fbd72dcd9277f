import { abaChecksumValid, applyControlPatch, DEFAULT_CONTROL, seededRandom } from './control';

describe('gateway simulator control', () => {
  it('merges a valid patch without touching the current control', () => {
    const result = applyControlPatch(DEFAULT_CONTROL, {
      latency_ms: 50,
      callback: 'duplicate',
      result_code_for_phone: { '+254700000001': 1 },
    });
    expect(result.errors).toEqual([]);
    expect(result.control).toMatchObject({
      latency_ms: 50,
      callback: 'duplicate',
      result_code_for_phone: { '+254700000001': 1 },
    });
    expect(DEFAULT_CONTROL.result_code_for_phone).toEqual({});
    const next = applyControlPatch(result.control!, { result_code_for_phone: { '+254700000002': 2001 } });
    expect(next.control?.result_code_for_phone).toEqual({ '+254700000001': 1, '+254700000002': 2001 });
  });

  it('lists every invalid field, unknown keys included', () => {
    const result = applyControlPatch(DEFAULT_CONTROL, {
      latency_ms: -1,
      fail_rate: 2,
      fail_status: 200,
      hang: 'yes',
      callback: 'later',
      result_code_for_phone: { '+1': 42 },
      typo: 1,
    });
    expect(result.control).toBeUndefined();
    expect(result.errors.map((error) => error.field)).toEqual([
      'latency_ms',
      'fail_rate',
      'fail_status',
      'hang',
      'callback',
      'result_code_for_phone.+1',
      'typo',
    ]);
    expect(applyControlPatch(DEFAULT_CONTROL, [1]).errors).toHaveLength(1);
  });

  it('draws the same sequence for the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(Array.from({ length: 5 }, seededRandom(8))).not.toEqual(first);
  });

  it('checks ABA routing numbers', () => {
    expect(abaChecksumValid('021000021')).toBe(true);
    expect(abaChecksumValid('011000015')).toBe(true);
    expect(abaChecksumValid('021000022')).toBe(false);
    expect(abaChecksumValid('02100002')).toBe(false);
  });
});
