import { parseArgs } from 'node:util';
import { startGatewaySimulator } from './simulator';

/**
 * `npm run gateway:sim`: the payment gateway simulator as its own process, for development and benches.
 * Configuration: CLI flags win over environment variables, which win over the defaults.
 *   --port / GATEWAY_SIM_PORT (4010)            --secret / GATEWAY_SIM_SECRET (a development secret)
 *   --latency-ms / GATEWAY_SIM_LATENCY_MS (0)   --callback-delay-ms / GATEWAY_SIM_CALLBACK_DELAY_MS (1000)
 *   --host / GATEWAY_SIM_HOST (127.0.0.1)
 * This file is the only place of the simulator that reads process.env (see the override in eslint.config.mjs):
 * the simulator is not the service and has no AppConfig.
 */
const DEV_SECRET = 'gateway-sim-dev-secret';

function integer(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      secret: { type: 'string' },
      'latency-ms': { type: 'string' },
      'callback-delay-ms': { type: 'string' },
    },
  });
  const env = process.env;
  const secret = values.secret ?? env.GATEWAY_SIM_SECRET ?? DEV_SECRET;
  const print = (event: string, fields: Record<string, unknown>) =>
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), service: 'gateway-sim', event, ...fields })}\n`,
    );

  const simulator = await startGatewaySimulator({
    port: integer('port', values.port ?? env.GATEWAY_SIM_PORT, 4010),
    host: values.host ?? env.GATEWAY_SIM_HOST ?? '127.0.0.1',
    secret,
    latencyMs: integer('latency-ms', values['latency-ms'] ?? env.GATEWAY_SIM_LATENCY_MS, 0),
    callbackDelayMs: integer(
      'callback-delay-ms',
      values['callback-delay-ms'] ?? env.GATEWAY_SIM_CALLBACK_DELAY_MS,
      1000,
    ),
    log: print,
  });
  if (secret === DEV_SECRET)
    print('warning', { message: 'using the development secret; set GATEWAY_SIM_SECRET' });

  const stop = () => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway-sim failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
