import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { DomainErrorKind, DomainException } from './domain-exception';
import { problem, PROBLEM_CONTENT_TYPE, ProblemDetails } from './problem';
import { CORRELATION_ID, RawRequestContext } from './request-context';

export function statusForKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'invalid_input':
      return 400;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'invalid_state':
      return 409;
    case 'unprocessable':
      return 422;
    case 'forbidden':
      return 403;
    case 'unauthorized':
      return 401;
    case 'precondition_failed':
      return 412;
    case 'too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'gone':
      return 410;
    case 'unavailable':
      return 503;
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'rate-limited',
};

/** Seconds a client is told to wait (Retry-After) before trying a 503 again. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * SQLSTATEs of a database that is going away or cannot take the connection (class 08 is "connection
 * exception"): admin_shutdown (a terminated backend, a fast shutdown), crash_shutdown, cannot_connect_now
 * (starting or stopping), too_many_connections.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a dependency that refused, dropped or never answered the connection. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres reports a connection lost mid-query or a pool that cannot connect in words, not codes. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * Whether an error means a dependency (the database) is unreachable rather than that the request or the
 * code is wrong: the client may retry, so it is a 503, not a 500. Looks through TypeORM's `driverError`,
 * `cause` and an AggregateError's `errors` (a connect attempt to several addresses).
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== 'object' || error === null) return false;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (/^08[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) {
      return true;
    }
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // TypeORM releases a transaction's query runner when its connection errors (a terminated backend);
  // the transaction's next statement then fails with one of these, and the database has rolled it back.
  if (
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  ) {
    return true;
  }
  const nested: unknown[] = [driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  return nested.some((inner) => inner !== error && isDependencyUnavailable(inner, depth + 1));
}

/** Errors fastify raises before Nest sees the request (body parsing, limits): all carry a 4xx statusCode. */
interface FrameworkError {
  statusCode: number;
  code?: string;
  message: string;
}

function isFrameworkClientError(error: unknown): error is FrameworkError {
  const status = (error as FrameworkError | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function frameworkCode(error: FrameworkError): string {
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'malformed-json';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'malformed-json';
  return CODE_BY_STATUS[error.statusCode] ?? 'bad-request';
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Turns anything thrown while serving a request into an RFC 9457 problem. */
export function toProblem(exception: unknown, instance: string, correlationId: string): ProblemDetails {
  const meta = { correlation_id: correlationId };
  if (exception instanceof DomainException) {
    const errors = exception.errors.length ? { errors: exception.errors } : {};
    return problem(statusForKind(exception.kind), exception.code, exception.message, instance, {
      ...meta,
      ...errors,
    });
  }
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const status = exception.getStatus();
    const detail = httpExceptionDetail(exception);
    // Nest turns fastify's body-parser errors into plain HttpExceptions; their messages are fastify's own.
    if (status === 400 && /\bJSON\b/.test(detail)) {
      return problem(400, 'malformed-json', 'The request body is not valid JSON', instance, meta);
    }
    return problem(status, CODE_BY_STATUS[status] ?? 'client-error', detail, instance, meta);
  }
  if (exception instanceof HttpException && exception.getStatus() === 503) {
    const checks = (exception.getResponse() as { error?: unknown }).error;
    return problem(503, 'unavailable', 'A dependency of the service is unavailable', instance, {
      ...meta,
      ...(checks ? { checks } : {}),
    });
  }
  if (isFrameworkClientError(exception)) {
    const code = frameworkCode(exception);
    const detail = code === 'malformed-json' ? 'The request body is not valid JSON' : exception.message;
    return problem(exception.statusCode, code, detail, instance, meta);
  }
  if (isDependencyUnavailable(exception)) {
    return problem(
      503,
      'unavailable',
      'A dependency of the service is unavailable; retry shortly',
      instance,
      meta,
    );
  }
  return problem(
    500,
    'internal',
    `Something went wrong on our side; quote correlation id ${correlationId} when you report it`,
    instance,
    meta,
  );
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext('http');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const correlationId = (request.raw as RawRequestContext)[CORRELATION_ID] ?? String(request.id);
    const body = toProblem(exception, request.url.split('?')[0], correlationId);
    if (body.status === 503) {
      const err = exception instanceof HttpException ? undefined : exception;
      this.logger.warn({ operation: 'http.unavailable', status: body.status, err }, body.detail);
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    } else if (body.status >= 500) {
      this.logger.error({ err: exception, operation: 'http.error', status: body.status }, 'unhandled error');
    } else {
      // A refused request is a business-rule or input problem (warn); its body helps at debug level,
      // and passes the PII redaction like every other log field.
      if (exception instanceof DomainException) {
        this.logger.warn(
          { operation: 'http.rejected', code: exception.code, status: body.status, errors: body.errors },
          exception.message,
        );
      }
      this.logger.debug(
        { operation: 'http.rejected', status: body.status, query: request.query, body: request.body },
        body.detail,
      );
    }
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}
