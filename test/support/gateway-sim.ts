import type { ControlPatch, GatewayControl } from '../../src/gateway-sim/control';
import {
  GatewaySimulator,
  GatewaySimulatorOptions,
  ReceivedGatewayRequest,
  startGatewaySimulator,
} from '../../src/gateway-sim/simulator';

export const TEST_GATEWAY_SECRET = 'test-gateway-secret';

/**
 * The payment gateway simulator on a free loopback port, for e2e tests and benches.
 * `sim` steers it in process; `http` does the same over its control endpoints (what a bench against a
 * separately started `npm run gateway:sim` would use).
 */
export async function startTestGatewaySim(
  options: Partial<GatewaySimulatorOptions> = {},
): Promise<GatewaySimulator & { http: GatewaySimClient }> {
  const sim = await startGatewaySimulator({ secret: TEST_GATEWAY_SECRET, ...options });
  return Object.assign(sim, { http: new GatewaySimClient(sim.url) });
}

/** Speaks the simulator's control API over HTTP. */
export class GatewaySimClient {
  constructor(readonly url: string) {}

  async control(patch: ControlPatch): Promise<GatewayControl> {
    return this.call<GatewayControl>('POST', '/__control', patch);
  }

  async reset(): Promise<GatewayControl> {
    return this.call<GatewayControl>('POST', '/__reset');
  }

  async requests(): Promise<ReceivedGatewayRequest[]> {
    return (await this.call<{ data: ReceivedGatewayRequest[] }>('GET', '/__requests')).data;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }
}
