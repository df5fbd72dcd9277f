import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import type { TransportFailure } from './result-codes';

/** A gateway HTTP answer that is not 2xx. */
export class GatewayHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayHttpError';
  }
}

/** What kind of transport failure an error of a gateway call is. */
export function classifyGatewayError(error: unknown): TransportFailure {
  if (error instanceof BrokenCircuitError) return 'circuit_open';
  if (error instanceof TaskCancelledError) return 'timeout';
  if (error instanceof GatewayHttpError) return error.status >= 500 ? 'server_error' : 'client_error';
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return 'timeout';
  return 'connection_error';
}

/**
 * Whether the adapter retries a failed call (and the circuit breaker counts it): 5xx, timeouts and
 * connection errors. Never 4xx (the request is wrong and stays wrong), never an open circuit.
 */
export function isTransient(error: unknown): boolean {
  const failure = classifyGatewayError(error);
  return failure === 'server_error' || failure === 'timeout' || failure === 'connection_error';
}

/**
 * Whether a failed STK push may be sent again. A push moves money and the provider keeps no idempotency
 * key (the simulator, like Daraja, accepts the same reference twice), so only a failure that says the
 * provider did not act is re-sent: a 5xx or a connection that failed. After a timeout the provider may
 * have accepted the push and only its answer be late; sending it again would charge the customer twice.
 */
export function isResendable(error: unknown): boolean {
  return isTransient(error) && classifyGatewayError(error) !== 'timeout';
}
