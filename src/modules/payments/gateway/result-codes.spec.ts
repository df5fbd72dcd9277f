import { GATEWAY_RESULT_CODES } from '../../../gateway-sim/result-codes';
import {
  journeyErrorType,
  mapResultCode,
  mapTransportFailure,
  retryDelayMs,
  STK_RESULT_CODES,
  STK_SUCCESS,
} from './result-codes';

describe('STK result code mapping', () => {
  it.each([
    [1, 'payment_declined', 'final'],
    [1019, 'payment_declined', 'final'],
    [1032, 'payment_declined', 'final'],
    [1037, 'payment_declined', 'final'],
    [2001, 'payment_declined', 'final'],
    [1001, 'external_service_error', 'retry'],
    [9999, 'external_service_error', 'retry'],
  ])('code %i is %s and %s', (code, errorClass, retry) => {
    expect(mapResultCode(code)).toMatchObject({ errorCode: String(code), errorClass, retry });
  });

  it('never retries what the customer caused, always retries what the provider caused', () => {
    for (const entry of GATEWAY_RESULT_CODES) {
      if (entry.code === STK_SUCCESS) continue;
      const mapping = mapResultCode(entry.code);
      expect({ code: entry.code, retry: mapping.retry }).toEqual({
        code: entry.code,
        retry: entry.kind === 'provider' ? 'retry' : 'final',
      });
    }
  });

  it('covers every code the provider sends but success', () => {
    const mapped = Object.keys(STK_RESULT_CODES).map(Number).sort();
    const sent = GATEWAY_RESULT_CODES.map((e) => e.code as number)
      .filter((c) => c !== STK_SUCCESS)
      .sort();
    expect(mapped).toEqual(sent);
  });

  it('treats an unknown code as a final system error', () => {
    expect(mapResultCode(4242)).toMatchObject({
      errorCode: '4242',
      errorClass: 'system_error',
      retry: 'final',
    });
  });

  it('classifies transport failures with their own codes', () => {
    expect(mapTransportFailure('timeout')).toMatchObject({
      errorCode: 'gateway_timeout',
      errorClass: 'timeout_error',
    });
    expect(mapTransportFailure('server_error').errorClass).toBe('external_service_error');
    expect(mapTransportFailure('connection_error').errorClass).toBe('external_service_error');
    expect(mapTransportFailure('circuit_open').errorCode).toBe('gateway_circuit_open');
    expect(mapTransportFailure('client_error').errorClass).toBe('validation_error');
  });

  it('reports a declined payment to the journey as a validation error, others as they are', () => {
    expect(journeyErrorType('payment_declined')).toBe('validation_error');
    expect(journeyErrorType('timeout_error')).toBe('timeout_error');
    expect(journeyErrorType('system_error')).toBe('system_error');
  });

  it('backs off exponentially, bounded', () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a))).toEqual([500, 1000, 2000, 4000, 5000]);
  });
});
