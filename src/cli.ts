import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { ConfigModule } from './platform/config/config.module';
import { configFromProcessEnv, loadDotEnv } from './platform/config/env';
import { ENTITIES } from './entities';
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
