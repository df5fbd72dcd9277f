import { otelSdk } from './platform/tracing/tracing';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap';
import { AppConfig, ConfigError } from './platform/config/app-config';
import { configFromProcessEnv, loadDotEnv } from './platform/config/env';
import { prepareDatabase } from './platform/database/prepare-database';

async function main(): Promise<void> {
  loadDotEnv();
  let config: AppConfig;
  try {
    config = configFromProcessEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  await prepareDatabase(config);
  const app = await createApp({ config });
  if (config.runsApi) {
    await app.listen({ port: config.PORT, host: config.HOST });
  } else {
    await app.init();
  }
  const started = {
    operation: 'app.start',
    role: config.APP_ROLE,
    port: config.runsApi ? config.PORT : null,
  };
  app.get(Logger).log({ ...started, message: 'custops started' }, 'main');
  handleSignals(app);
}

/** SIGTERM/SIGINT: stop accepting, drain HTTP and jobs (bounded by SHUTDOWN_TIMEOUT_MS), close pools, exit 0. */
function handleSignals(app: NestFastifyApplication): void {
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())])
      .then(() => otelSdk.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`custops failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
