import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { maskPiiInText, redactLogObject } from './pii';
import { CORRELATION_ID, HIGH_VOLUME, PRINCIPAL, type RawRequestContext } from '../http/request-context';

/** pino options shared by the HTTP logger and the CLI/worker loggers: the seed 002 log schema. */
export function baseLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    messageKey: 'message',
    base: { service: 'custops' },
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactLogObject(object),
    },
    mixin: () => {
      const span = trace.getActiveSpan();
      return span ? { trace_id: span.spanContext().traceId } : {};
    },
  };
}

type RawRequest = IncomingMessage & RawRequestContext & { id?: string };

export function httpLoggerOptions(level: string): PinoHttpOptions {
  return {
    ...baseLoggerOptions(level),
    quietReqLogger: true,
    genReqId: (req) => (req as RawRequest)[CORRELATION_ID] ?? (req as RawRequest).id ?? 'unknown',
    customAttributeKeys: { reqId: 'correlation_id', responseTime: 'duration_ms' },
    customProps: (req) => {
      const principal = (req as RawRequest)[PRINCIPAL];
      return principal ? { company_id: principal.companyId, user_id: principal.userId } : {};
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      // Thousands of successful polls a second would drown everything else; metrics still count them.
      return (req as RawRequest)[HIGH_VOLUME] ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${res.statusCode}`,
    customSuccessObject: (_req, res, value: Record<string, unknown>) => ({
      ...value,
      status_code: res.statusCode,
      operation: 'http.request',
    }),
    customErrorObject: (_req, res, _error, value: Record<string, unknown>) => ({
      ...value,
      status_code: res.statusCode,
      operation: 'http.request',
    }),
    serializers: {
      req: (req: { method?: string; url?: string; raw?: IncomingMessage }) => ({
        method: req.method,
        url: maskPiiInText(req.url ?? ''),
      }),
      res: () => undefined,
    },
  };
}
