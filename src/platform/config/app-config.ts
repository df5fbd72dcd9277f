import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  if (['true', '1', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(value.toLowerCase())) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)$/.test(value.trim()) ? Number(value) : value;

const DEV_JWT_SECRET = 'custops-dev-only-secret-do-not-use-in-production';
/** The gateway simulator's development secret (src/gateway-sim/main.ts); refused in production. */
const DEV_GATEWAY_SECRET = 'gateway-sim-dev-secret';
/** 32 zero bytes, base64: development only; refused in production. */
const DEV_BANK_ACCOUNT_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Documents and images that are common in support conversations and can be verified by content. */
const DEFAULT_ATTACHMENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];

/**
 * Every environment variable the service reads, with its default. `.env.example` mirrors this class;
 * nothing else in the codebase reads process.env (tracing aside, which must start before anything loads).
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIn(APP_ROLES)
  APP_ROLE: AppRole = 'all';

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Prometheus scrape port; 0 picks a free port (tests), never the API port. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/custops';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_MAX = 20;

  /** Create the database on boot when it does not exist. */
  @Transform(toBool)
  @IsBoolean()
  DATABASE_AUTO_CREATE = true;

  /** Apply pending migrations on boot. */
  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (BullMQ, rate limits): lets several stacks or test files share one Redis. */
  @IsString()
  @MinLength(1)
  REDIS_PREFIX = 'custops';

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET = DEV_JWT_SECRET;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  JWT_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  RATE_LIMIT_TTL_MS = 60_000;

  /**
   * Which proxies may tell the client's address in X-Forwarded-For: empty (the default: nobody, the
   * socket's address counts, so a client cannot mint itself fresh rate-limit budgets), a hop count, or
   * comma-separated addresses/CIDRs of the load balancers.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /** Requests per RATE_LIMIT_TTL_MS per caller (tenant user, or IP when anonymous). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 1200;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  OUTBOX_BATCH_SIZE = 200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 168;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  OUTBOX_PRUNE_INTERVAL_MS = 3_600_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  IDEMPOTENCY_TTL_HOURS = 24;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  WORKER_CONCURRENCY = 8;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /**
   * How long a worker holds a job without renewing its lock before BullMQ deems it stalled and hands it
   * to another worker (a worker killed mid-job is noticed within about this time).
   */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  QUEUE_LOCK_DURATION_MS = 30_000;

  /** /health/ready fails when the oldest undispatched event is older than this. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HEALTH_OUTBOX_MAX_LAG_SECONDS = 300;

  /** Distinct company_id label values per metric before the rest are folded into `other`. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  METRICS_TENANT_LABEL_CAP = 100;

  /** The mobile-money gateway (STK push) and bank validation service; the simulator by default. */
  @IsUrl({ require_tld: false, require_protocol: true })
  PAYMENT_GATEWAY_URL = 'http://127.0.0.1:4010';

  /** Shared secret of the gateway's callback signatures (HMAC-SHA256). */
  @IsString()
  @MinLength(16)
  PAYMENT_GATEWAY_SECRET = DEV_GATEWAY_SECRET;

  /** One gateway call's time limit (a timeout is a technical failure: retried, bounded). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  PAYMENT_GATEWAY_TIMEOUT_MS = 5000;

  /** Where the gateway sends callbacks: this API's public base URL. */
  @IsUrl({ require_tld: false, require_protocol: true })
  PAYMENT_CALLBACK_BASE_URL = 'http://127.0.0.1:3000';

  /** The external bank-account validation service (seed 000 stage 5); the simulator by default. */
  @IsUrl({ require_tld: false, require_protocol: true })
  BANK_VALIDATION_URL = 'http://127.0.0.1:4010';

  /** AES-256-GCM key (base64 of 32 bytes) for bank account numbers at rest. */
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'BANK_ACCOUNT_ENCRYPTION_KEY must be 32 bytes, base64' })
  BANK_ACCOUNT_ENCRYPTION_KEY = DEV_BANK_ACCOUNT_KEY;

  /** Outgoing mail (nodemailer URL form): smtp://user:pass@host:port, smtps:// for implicit TLS. */
  @IsUrl({ protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true })
  SMTP_URL = 'smtp://127.0.0.1:1025';

  @IsString()
  MAIL_FROM = 'custops <no-reply@custops.local>';

  /** HTTP SMS provider endpoint; SMS deliveries fail (visibly) when unset. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  SMS_PROVIDER_URL?: string;

  @IsOptional()
  @IsString()
  SMS_API_KEY?: string;

  /** How long after resolution a customer may reopen a ticket. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  TICKET_REOPEN_WINDOW_DAYS = 7;

  /**
   * Days a resolved ticket waits for the customer to confirm or reopen before it closes by itself;
   * the confirmation link expires then too.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  TICKET_AUTO_CLOSE_DAYS = 5;

  /** Where customers open links from emails (the customer portal); confirmation links point there. */
  @IsUrl({ require_tld: false, require_protocol: true })
  PORTAL_URL = 'http://localhost:3000';

  /** How often the worker looks for SLA breaches and due escalations (ms). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  TICKET_SLA_SCAN_INTERVAL_MS = 60_000;

  /** How often the worker announces (48 h ahead), starts and completes maintenance windows (ms). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  MAINTENANCE_SCAN_INTERVAL_MS = 60_000;

  /**
   * How often the worker looks for payment reminders due today (UTC days) and sends them (ms); hourly,
   * a reminder goes out within the first hour of its day.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  DUNNING_SCAN_INTERVAL_MS = 3_600_000;

  /** Largest attachment accepted (bytes); a larger upload is refused with 413 and nothing is kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_073_741_824)
  ATTACHMENT_MAX_BYTES = 10_485_760;

  /** Largest customer import file (bytes); larger uploads are refused with 413. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_737_418_240)
  IMPORT_MAX_BYTES = 1_073_741_824;

  /** Rows merged per transaction by a customer import (progress moves, and a restart resumes, per batch). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  IMPORT_BATCH_ROWS = 50_000;

  /**
   * Attachment types accepted, as media types separated by commas; each must be one the tickets module
   * knows how to verify by content (see ticket-attachment-types.ts).
   */
  @IsString()
  @Matches(/^\s*[\w.+-]+\/[\w.+-]+\s*(,\s*[\w.+-]+\/[\w.+-]+\s*)*$/, {
    message: 'ATTACHMENT_ALLOWED_TYPES must be media types separated by commas',
  })
  ATTACHMENT_ALLOWED_TYPES = DEFAULT_ATTACHMENT_TYPES.join(',');

  /** Uploads not attached to a ticket or comment within this many hours are deleted. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_UNCLAIMED_TTL_HOURS = 24;

  /** Where uploaded files go: `local` (a directory) or `s3` (any S3-compatible object store). */
  @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  /** The directory of the `local` driver. */
  @IsString()
  @MinLength(1)
  STORAGE_DIR = './var/storage';

  /** The `s3` driver: bucket (required with STORAGE_DRIVER=s3), region, endpoint for non-AWS stores. */
  @IsOptional()
  @IsString()
  @MinLength(3)
  S3_BUCKET?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  S3_ENDPOINT?: string;

  /** Path-style addressing (most S3-compatible stores such as MinIO need it). */
  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** Static credentials; without them the AWS default chain (environment, profile, instance role) applies. */
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** Knowledge base: a feedback rating at or below this opens a content review (0 turns the rule off). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5)
  KB_POOR_RATING_MAX = 2;

  /**
   * Knowledge base: a "not helpful" vote opens a content review when the article version's helpful share
   * is under this (0–1) after KB_HELPFUL_MIN_VOTES votes (0 turns the rule off).
   */
  @Transform(toNumber)
  @Min(0)
  @Max(1)
  KB_HELPFUL_SHARE_MIN = 0.5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  KB_HELPFUL_MIN_VOTES = 5;

  /**
   * Credit limit breaches: the overage as a share of the limit, in whole percent, from which a breach is
   * `medium` (below: `low`) and from which it is `high`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  CREDIT_BREACH_MEDIUM_PERCENT = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  CREDIT_BREACH_HIGH_PERCENT = 25;

  /** When the nightly credit utilisation distribution is computed (cron, server time zone). */
  @IsString()
  @Matches(/^\S+( \S+){4,5}$/, { message: 'CREDIT_UTILISATION_CRON must be a cron pattern of 5 or 6 fields' })
  CREDIT_UTILISATION_CRON = '30 1 * * *';

  /**
   * Where the built support console (index.html and its assets) is served from at /console; by default
   * dist/console beside the compiled service. When it holds no index.html, /console answers 503.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CONSOLE_DIR?: string;

  get attachmentAllowedTypes(): string[] {
    return this.ATTACHMENT_ALLOWED_TYPES.split(',')
      .map((type) => type.trim().toLowerCase())
      .filter((type) => type.length > 0);
  }

  /** Let webhooks target loopback and private networks; defaults to on outside production only. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_TARGETS?: boolean;

  get allowsPrivateWebhookTargets(): boolean {
    return this.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? this.NODE_ENV !== 'production';
  }

  /**
   * Whether HS256 tokens signed with JWT_SECRET are accepted. Not in production while the secret is the
   * published development one: with JWKS configured that is allowed to boot, but must not sign anything.
   */
  get acceptsSharedSecretTokens(): boolean {
    return this.NODE_ENV !== 'production' || this.JWT_SECRET !== DEV_JWT_SECRET;
  }

  /** TRUST_PROXY as Fastify takes it. */
  get trustProxy(): boolean | number | string[] {
    const value = (this.TRUST_PROXY ?? '').trim();
    if (value === '' || value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value.split(',').map((entry) => entry.trim());
  }

  get runsApi(): boolean {
    return this.APP_ROLE !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.APP_ROLE !== 'api';
  }
}

export class ConfigError extends Error {}

/** Builds and validates the config from an environment record; throws one line naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(
    Object.keys(new AppConfig())
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  for (const key of [
    'TRUST_PROXY',
    'JWT_JWKS_URL',
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'SMS_PROVIDER_URL',
    'SMS_API_KEY',
    'WEBHOOK_ALLOW_PRIVATE_TARGETS',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'CONSOLE_DIR',
  ]) {
    if (env[key]) present[key] = env[key];
  }
  const config = plainToInstance(AppConfig, present);
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const reason = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const shown = first.property.includes('SECRET') ? '(hidden)' : JSON.stringify(first.value);
    throw new ConfigError(`Invalid configuration: ${first.property}: ${reason} (got ${shown})`);
  }
  if (config.STORAGE_DRIVER === 's3' && !config.S3_BUCKET) {
    throw new ConfigError('Invalid configuration: S3_BUCKET: must be set when STORAGE_DRIVER=s3');
  }
  if (config.CREDIT_BREACH_HIGH_PERCENT < config.CREDIT_BREACH_MEDIUM_PERCENT) {
    throw new ConfigError(
      'Invalid configuration: CREDIT_BREACH_HIGH_PERCENT: must not be below CREDIT_BREACH_MEDIUM_PERCENT',
    );
  }
  if (config.NODE_ENV === 'production' && config.PAYMENT_GATEWAY_SECRET === DEV_GATEWAY_SECRET) {
    throw new ConfigError('Invalid configuration: PAYMENT_GATEWAY_SECRET: must be set in production');
  }
  if (config.NODE_ENV === 'production' && config.BANK_ACCOUNT_ENCRYPTION_KEY === DEV_BANK_ACCOUNT_KEY) {
    throw new ConfigError('Invalid configuration: BANK_ACCOUNT_ENCRYPTION_KEY: must be set in production');
  }
  if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEV_JWT_SECRET && !config.JWT_JWKS_URL) {
    throw new ConfigError('Invalid configuration: JWT_SECRET: must be set in production');
  }
  return config;
}
