import type { DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';

/**
 * How a domain CLI command gets the application: the entry point (src/cli.ts) provides a factory for
 * the full module graph, so platform/ never imports modules/. Commands run in the api role (the
 * events they publish are dispatched by the workers) and never open the metrics port.
 */
let factory: ((config: AppConfig) => DynamicModule) | undefined;

export function provideCliAppModule(make: (config: AppConfig) => DynamicModule): void {
  factory = make;
}

export function CLI_APP_MODULE(config: AppConfig): DynamicModule {
  if (!factory) throw new Error('The CLI application module was not provided');
  return factory(
    Object.assign(Object.create(Object.getPrototypeOf(config) as object) as AppConfig, config, {
      APP_ROLE: 'api',
      METRICS_PORT: 0,
      LOG_LEVEL: 'warn',
    }),
  );
}
