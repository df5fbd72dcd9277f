import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthGuard } from '../auth/auth.guard';
import { JwtVerifier } from '../auth/jwt-verifier';
import { AppConfig } from '../config/app-config';
import { IdempotencyInterceptor } from './idempotency';
import { IdempotencyPruner } from './idempotency-pruner';
import { ProblemFilter } from './problem.filter';
import { TenantThrottlerGuard } from './throttle.guard';
import { FailOpenThrottlerStorage } from './throttler-storage';
import { createValidationPipe } from './validation';

/**
 * The HTTP contract of every route: authentication first (so the rate limit can key on the tenant
 * user), then rate limiting, validation, idempotency and RFC 9457 problems. Guards run in this order.
 */
@Module({ providers: [FailOpenThrottlerStorage], exports: [FailOpenThrottlerStorage] })
class ThrottlerStorageModule {}

@Global()
@Module({
  imports: [
    ThrottlerStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [ThrottlerStorageModule],
      inject: [AppConfig, FailOpenThrottlerStorage],
      useFactory: (config: AppConfig, storage: FailOpenThrottlerStorage) => ({
        throttlers: [{ ttl: config.RATE_LIMIT_TTL_MS, limit: config.RATE_LIMIT_MAX }],
        storage,
      }),
    }),
  ],
  providers: [
    JwtVerifier,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: TenantThrottlerGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: ProblemFilter },
    IdempotencyInterceptor,
    IdempotencyPruner,
  ],
  exports: [JwtVerifier, IdempotencyInterceptor],
})
export class HttpModule {}
