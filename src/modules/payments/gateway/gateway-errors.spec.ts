import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { classifyGatewayError, GatewayHttpError, isResendable, isTransient } from './gateway-errors';
import { halfOpenAfterMs } from './mobile-money.gateway';

describe('gateway error classification', () => {
  it.each([
    [new GatewayHttpError(500, 'x'), 'server_error', true],
    [new GatewayHttpError(503, 'x'), 'server_error', true],
    [new GatewayHttpError(400, 'x'), 'client_error', false],
    [new GatewayHttpError(404, 'x'), 'client_error', false],
    [new GatewayHttpError(429, 'x'), 'client_error', false],
    [new TaskCancelledError(), 'timeout', true],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'timeout', true],
    [new TypeError('fetch failed'), 'connection_error', true],
    [new BrokenCircuitError(), 'circuit_open', false],
  ])('%s is %s (retried: %s)', (error, failure, transient) => {
    expect(classifyGatewayError(error)).toBe(failure);
    expect(isTransient(error)).toBe(transient);
  });

  it.each([
    [new GatewayHttpError(500, 'x'), true],
    [new TypeError('fetch failed'), true],
    [new TaskCancelledError(), false],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), false],
    [new GatewayHttpError(400, 'x'), false],
    [new BrokenCircuitError(), false],
  ])('an STK push that failed with %s is sent again: %s', (error, resendable) => {
    expect(isResendable(error)).toBe(resendable);
  });

  it('keeps the circuit open for six timeouts, between 1 s and 30 s', () => {
    expect(halfOpenAfterMs(100)).toBe(1000);
    expect(halfOpenAfterMs(250)).toBe(1500);
    expect(halfOpenAfterMs(5000)).toBe(30000);
    expect(halfOpenAfterMs(60000)).toBe(30000);
  });
});
