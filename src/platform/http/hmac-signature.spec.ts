import { createHmac } from 'node:crypto';
import { signGatewayPayload, verifyGatewaySignature } from './hmac-signature';

describe('gateway HMAC signatures', () => {
  const secret = 'shh';
  const body = '{"checkout_request_id":"ws_CO_00000001","result_code":0}';
  const timestamp = 1_760_000_000;

  it('signs `${timestamp}.${body}` with HMAC-SHA256 as sha256=<hex>', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signGatewayPayload(secret, timestamp, body)).toBe(`sha256=${expected}`);
    expect(signGatewayPayload(secret, String(timestamp), Buffer.from(body))).toBe(`sha256=${expected}`);
  });

  const verify = (overrides: Partial<Parameters<typeof verifyGatewaySignature>[0]> = {}) =>
    verifyGatewaySignature({
      secret,
      body,
      timestamp: String(timestamp),
      signature: signGatewayPayload(secret, timestamp, body),
      nowSeconds: timestamp + 10,
      ...overrides,
    });

  it('accepts a fresh, correct signature', () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ signature: [signGatewayPayload(secret, timestamp, body)] })).toEqual({ ok: true });
  });

  it('rejects a tampered body, a wrong secret and a moved timestamp', () => {
    expect(verify({ body: body.replace('"result_code":0', '"result_code":1') })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verify({ secret: 'other' })).toEqual({ ok: false, reason: 'mismatch' });
    // The timestamp is part of the signed payload: re-dating a captured callback breaks the signature.
    expect(verify({ timestamp: String(timestamp + 1) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects timestamps outside the tolerance, either way', () => {
    expect(verify({ nowSeconds: timestamp + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ nowSeconds: timestamp - 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ nowSeconds: timestamp + 301, toleranceSeconds: 600 })).toEqual({ ok: true });
  });

  it('reports missing and malformed headers without throwing', () => {
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ timestamp: '' })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: ['a', 'b'] })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ secret: '' })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: 'sha256=abc' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ signature: `v1=${'0'.repeat(64)}` })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ timestamp: '17e8' })).toEqual({ ok: false, reason: 'malformed' });
  });
});
