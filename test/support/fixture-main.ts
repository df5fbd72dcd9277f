/**
 * The real service plus the test fixture module, as a separate process: for tests that kill a
 * process, stop Redis under it, or run several replicas.
 */
import '../../src/platform/tracing/tracing';
import { createApp } from '../../src/bootstrap';
import { configFromProcessEnv } from '../../src/platform/config/env';
import { prepareDatabase } from '../../src/platform/database/prepare-database';
import { FixtureModule } from './fixture.module';

async function main(): Promise<void> {
  const config = configFromProcessEnv();
  await prepareDatabase(config);
  const app = await createApp({ config, extraModules: [FixtureModule] });
  if (config.runsApi) await app.listen({ port: config.PORT, host: config.HOST });
  else await app.init();
  process.stdout.write(
    `${JSON.stringify({ message: 'fixture-ready', port: config.runsApi ? new URL(await app.getUrl()).port : null })}\n`,
  );
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
