import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { DomainException } from '../../../platform/http/domain-exception';
import { PROBLEM_CONTENT_TYPE } from '../../../platform/http/problem';
import { toProblem } from '../../../platform/http/problem.filter';
import { CORRELATION_ID, RawRequestContext } from '../../../platform/http/request-context';
import type { BreachSeverity } from './credit-rules';

export interface CreditLimitFigures {
  currency: string;
  limitMinor: bigint;
  exposureMinor: bigint;
  invoiceTotalMinor: bigint;
  overageMinor: bigint;
  severity: BreachSeverity;
  breachId: string;
}

/** Issuing would take the customer's exposure past its credit limit: a 422 that states the figures. */
export class CreditLimitExceeded extends DomainException {
  constructor(readonly figures: CreditLimitFigures) {
    super(
      'unprocessable',
      'credit-limit-exceeded',
      `Issuing this invoice would exceed the customer's credit limit by ${figures.overageMinor} ${figures.currency} minor units`,
    );
  }
}

/**
 * Renders CreditLimitExceeded as the platform's problem (same type, title, status, correlation id and
 * log line) plus the figures a caller needs to decide: limit, exposure, invoice total, overage,
 * currency, severity and the recorded breach. Bound to the routes that can throw it.
 */
@Catch(CreditLimitExceeded)
export class CreditLimitExceededFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext('http');
  }

  catch(exception: CreditLimitExceeded, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const correlationId = (request.raw as RawRequestContext)[CORRELATION_ID] ?? String(request.id);
    const { figures } = exception;
    const body = {
      ...toProblem(exception, request.url.split('?')[0], correlationId),
      currency: figures.currency,
      limit_minor: Number(figures.limitMinor),
      exposure_minor: Number(figures.exposureMinor),
      invoice_total_minor: Number(figures.invoiceTotalMinor),
      overage_minor: Number(figures.overageMinor),
      severity: figures.severity,
      breach_id: figures.breachId,
    };
    this.logger.warn(
      { operation: 'http.rejected', code: exception.code, status: body.status, severity: figures.severity },
      exception.message,
    );
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}
