import { existsSync } from 'node:fs';
import { loadConfig, AppConfig } from './app-config';

/** Loads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The single place that reads process.env for the service's own settings. */
export function configFromProcessEnv(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
