import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import type { DataSourceOptions } from 'typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { ensureDatabase } from '../database/ensure-database';
import { revertLastMigration, runMigrations, schemaDrift } from '../database/migrations';

/** The entities the drift check compares with the schema; the CLI entry point provides them. */
export const CLI_ENTITIES = Symbol('CLI_ENTITIES');

async function withDataSource<T>(
  config: AppConfig,
  work: (dataSource: DataSource) => Promise<T>,
  entities: DataSourceOptions['entities'] = [],
): Promise<T> {
  await ensureDatabase(config.DATABASE_URL);
  const dataSource = new DataSource(dataSourceOptions({ ...config, DATABASE_POOL_MAX: 2 }, entities));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

@Command({ name: 'migrate', description: 'Create the database if needed and apply pending migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }
  async run(): Promise<void> {
    const applied = await withDataSource(this.config, runMigrations);
    console.log(
      applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}` : 'No pending migrations',
    );
  }
}

@Command({ name: 'migrate:revert', description: 'Revert the most recent migration' })
export class MigrateRevertCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }
  async run(): Promise<void> {
    await withDataSource(this.config, revertLastMigration);
    console.log('Reverted the last migration');
  }
}

@Command({
  name: 'migrate:check',
  description: 'Fail when the entities differ from the migrated schema (a migration is missing)',
})
export class MigrateCheckCommand extends CommandRunner {
  constructor(
    private readonly config: AppConfig,
    @Inject(CLI_ENTITIES) private readonly entities: DataSourceOptions['entities'],
  ) {
    super();
  }
  async run(): Promise<void> {
    const drift = await withDataSource(
      this.config,
      async (dataSource) => {
        await runMigrations(dataSource);
        return schemaDrift(dataSource);
      },
      this.entities,
    );
    if (drift.length > 0) {
      console.error(`Schema drift: a migration is missing for:\n${drift.join(';\n')}`);
      process.exitCode = 1;
      return;
    }
    console.log('No schema drift');
  }
}

@Command({
  name: 'migrate:generate',
  arguments: '<name>',
  description:
    'Write migrations/<epoch>-<Name>.ts with the SQL that brings the schema in line with the entities',
})
export class MigrateGenerateCommand extends CommandRunner {
  constructor(
    private readonly config: AppConfig,
    @Inject(CLI_ENTITIES) private readonly entities: DataSourceOptions['entities'],
  ) {
    super();
  }
  async run([name]: string[]): Promise<void> {
    const drift = await withDataSource(
      this.config,
      async (dataSource) => {
        await runMigrations(dataSource);
        return dataSource.driver.createSchemaBuilder().log();
      },
      this.entities,
    );
    if (drift.upQueries.length === 0) {
      console.log('Nothing to generate: the schema matches the entities');
      return;
    }
    const pascal = name.replace(/(^|[-_\s])(\w)/g, (_m, _s, c: string) => c.toUpperCase());
    const epoch = Date.now();
    const q = (sql: string): string => `    await queryRunner.query(${JSON.stringify(sql)});`;
    const file = join(process.cwd(), 'migrations', `${epoch}-${pascal}.ts`);
    writeFileSync(
      file,
      `import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${pascal}${epoch} implements MigrationInterface {\n  name = '${pascal}${epoch}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${drift.upQueries.map((x) => q(x.query)).join('\n')}\n  }\n\n  async down(queryRunner: QueryRunner): Promise<void> {\n${drift.downQueries
        .reverse()
        .map((x) => q(x.query))
        .join('\n')}\n  }\n}\n`,
    );
    console.log(`Wrote ${file}`);
  }
}

@Command({ name: 'db:create', description: 'Create the database named in DATABASE_URL when missing' })
export class DbCreateCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }
  async run(): Promise<void> {
    const created = await ensureDatabase(this.config.DATABASE_URL);
    console.log(created ? 'Database created' : 'Database exists');
  }
}
