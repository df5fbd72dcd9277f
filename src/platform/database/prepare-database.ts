import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';
import { runMigrations } from './migrations';

/** Boot step: create the database if asked and apply pending migrations, before Nest starts. */
export async function prepareDatabase(config: AppConfig): Promise<void> {
  if (config.DATABASE_AUTO_CREATE) await ensureDatabase(config.DATABASE_URL);
  if (!config.MIGRATIONS_RUN) return;
  const dataSource = new DataSource({ ...dataSourceOptions({ ...config, DATABASE_POOL_MAX: 2 }) });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
