import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { ConfigModule } from './platform/config/config.module';
import { configFromProcessEnv, loadDotEnv } from './platform/config/env';
import { AppModule } from './app.module';
import { ENTITIES } from './entities';
import { CreateCustomerCommand } from './modules/customers/customers.cli';
import { SessionsReportCommand } from './modules/sessions/reports/sessions-report.cli';
import { provideCliAppModule } from './platform/cli/cli-app';
import {
  CLI_ENTITIES,
  DbCreateCommand,
  MigrateCheckCommand,
  MigrateCommand,
  MigrateGenerateCommand,
  MigrateRevertCommand,
} from './platform/cli/migrate.commands';
import { TokenCommand } from './platform/cli/token.command';
import { ConfigError } from './platform/config/app-config';

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = configFromProcessEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  provideCliAppModule((appConfig) => AppModule.forRoot({ config: appConfig }));

  @Module({
    imports: [ConfigModule.forRoot(config)],
    providers: [
      { provide: CLI_ENTITIES, useValue: ENTITIES },
      MigrateCommand,
      MigrateRevertCommand,
      MigrateCheckCommand,
      MigrateGenerateCommand,
      DbCreateCommand,
      TokenCommand,
      CreateCustomerCommand,
      SessionsReportCommand,
    ],
  })
  class CliModule {}

  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    errorHandler: (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  });
}

void main();
