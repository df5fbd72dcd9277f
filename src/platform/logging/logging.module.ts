import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../config/app-config';
import { httpLoggerOptions } from './logger-options';

@Module({})
export class LoggingModule {
  /** `stream` lets tests read the exact lines the service writes; production writes to stdout. */
  static forRoot(stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            pinoHttp: stream
              ? [httpLoggerOptions(config.LOG_LEVEL), stream]
              : httpLoggerOptions(config.LOG_LEVEL),
          }),
        }),
      ],
    };
  }
}
