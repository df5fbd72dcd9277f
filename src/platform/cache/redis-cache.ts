import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { producerRedisOptions } from '../queue/redis-options';

/** A cache read or write that takes longer than this is abandoned: the caller reads the database. */
const TIMEOUT_MS = 100;

/**
 * A small shared cache in Redis for hot reads (session authorisation). It fails open: when Redis is
 * slow or away a read is a miss and a write is skipped, so callers always have the database to fall
 * back on and never wait long for a cache.
 */
@Injectable()
export class RedisCache implements OnApplicationShutdown {
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(
    config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(RedisCache.name);
    this.redis = new Redis({
      ...producerRedisOptions(config.REDIS_URL),
      keyPrefix: `${config.REDIS_PREFIX}:cache:`,
    });
    this.redis.on('error', () => undefined);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.bounded(this.redis.get(key));
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.bounded(this.redis.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs))));
  }

  /** Writes only when the key is absent: a reader filling the cache never overwrites a writer's newer value. */
  async setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.bounded(
      this.redis.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)), 'NX'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  private async bounded<T>(operation: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('cache timed out')), TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ operation: 'cache', err: error }, 'cache unavailable; reading the database');
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
