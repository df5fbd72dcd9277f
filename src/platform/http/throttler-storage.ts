import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { producerRedisOptions } from '../queue/redis-options';

const TIMEOUT_MS = 250;
const ALLOW: ThrottlerStorageRecord = {
  totalHits: 0,
  timeToExpire: 0,
  isBlocked: false,
  timeToBlockExpire: 0,
};

/**
 * Rate-limit counters in Redis, shared by all replicas. When Redis is away the limiter fails open:
 * losing rate limiting for a while is better than refusing work that PostgreSQL alone can accept.
 */
@Injectable()
export class FailOpenThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly store: ThrottlerStorageRedisService;
  private lastWarning = 0;

  constructor(
    config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.redis = new Redis({
      ...producerRedisOptions(config.REDIS_URL),
      keyPrefix: `${config.REDIS_PREFIX}:throttle:`,
    });
    this.redis.on('error', () => undefined);
    this.store = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.store.increment(key, ttl, limit, blockDuration, throttlerName),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('rate-limit store timed out')), TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(
          { operation: 'http.rate_limit', err: error },
          'rate limiting unavailable; failing open',
        );
      }
      return ALLOW;
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
