import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { destination, type DestinationStream } from 'pino';
import { AppConfig } from '../config/app-config';
import { httpLoggerOptions } from './logger-options';

/**
 * stdout through an asynchronous writer: lines logged while a write is in flight go out together, which keeps
 * logging off the request's critical path. pino flushes it on exit.
 */
function stdoutDestination(): DestinationStream {
  return destination({ dest: 1, sync: false });
}

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
            pinoHttp: [httpLoggerOptions(config.LOG_LEVEL), stream ?? stdoutDestination()],
          }),
        }),
      ],
    };
  }
}
