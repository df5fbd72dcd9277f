import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  RequestMethod,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows';
import { DomainException } from './domain-exception';
import { PRINCIPAL, RawRequestContext } from './request-context';

export const IDEMPOTENT = 'custops:idempotent';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A claim older than this with no stored response is taken to be a crashed attempt and may be retried. */
const STALE_CLAIM_SECONDS = 60;
/**
 * Tries at storing a response or forgetting a failed claim, and the wait before the next one (times the
 * attempt): long enough for the pool to drop connections that died with the one that failed.
 */
const STORE_ATTEMPTS = 3;
const STORE_RETRY_DELAY_MS = 100;

/**
 * Opts a POST into `Idempotency-Key`: same key + same body replays the first response. The interceptor
 * is bound to these routes only: a global interceptor would put Nest's interceptor chain (and its
 * AsyncResource binding) on every request.
 */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(SetMetadata(IDEMPOTENT, true), UseInterceptors(IdempotencyInterceptor));

interface StoredKey {
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  stale: boolean;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!KEY_PATTERN.test(key)) {
      throw new DomainException(
        'invalid_input',
        'invalid-idempotency-key',
        'Idempotency-Key must be 1-255 visible ASCII characters',
      );
    }
    const principal = (request.raw as RawRequestContext)[PRINCIPAL];
    if (!principal) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const status = this.successStatus(context);
    return from(this.handle(principal.companyId, key, request, reply, status, next));
  }

  private async handle(
    companyId: string,
    key: string,
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    next: CallHandler,
  ): Promise<unknown> {
    const path = request.url.split('?')[0];
    const hash = createHash('sha256')
      .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const claimed = await this.dataSource.query<unknown[]>(
      `INSERT INTO idempotency_keys (company_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (company_id, key) DO NOTHING RETURNING key`,
      [companyId, key, request.method, path, hash],
    );
    if (claimed.length === 0) {
      const replay = await this.replayOrTakeOver(companyId, key, hash);
      if (replay) {
        void reply.status(replay.status_code ?? status).header('idempotent-replayed', 'true');
        return replay.response_body;
      }
    }
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      // A failed attempt is not remembered: the client may retry with the same key.
      await this.forget(companyId, key);
      throw error;
    }
    // The work is done and committed: whatever happens to its record, the answer is the success, and the
    // claim is never forgotten (a retry must not do the work again).
    await this.remember(companyId, key, status, body);
    return body;
  }

  /**
   * Stores the response to replay. Tried again on another of the pool's connections when the first one
   * fails (a terminated backend); if the database is away altogether the claim stays unfinished, a retry
   * meanwhile is told "in progress", and the claim goes stale after STALE_CLAIM_SECONDS.
   */
  private async remember(companyId: string, key: string, status: number, body: unknown): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.dataSource.query(
          `UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb, completed_at = now()
            WHERE company_id = $1 AND key = $2`,
          [companyId, key, status, JSON.stringify(body ?? null)],
        );
        return;
      } catch (error) {
        if (attempt < STORE_ATTEMPTS) {
          await sleep(STORE_RETRY_DELAY_MS * attempt);
          continue;
        }
        this.logger.warn(
          { operation: 'http.idempotency', company_id: companyId, err: error },
          'could not store the response of a completed request for replay',
        );
        return;
      }
    }
  }

  /**
   * Deletes a failed attempt's claim. The failure may have been the connection's own (a terminated
   * backend), so the delete is tried again on another of the pool's connections; a claim left behind
   * would answer the client's retry "in progress" until it is STALE_CLAIM_SECONDS old. If the database
   * is away altogether the claim stays, and goes stale.
   */
  private async forget(companyId: string, key: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.dataSource.query(`DELETE FROM idempotency_keys WHERE company_id = $1 AND key = $2`, [
          companyId,
          key,
        ]);
        return;
      } catch {
        if (attempt === STORE_ATTEMPTS) return; // left to go stale
        await sleep(STORE_RETRY_DELAY_MS * attempt);
      }
    }
  }

  /** Returns the stored response to replay, or undefined when this request may run (stale claim taken over). */
  private async replayOrTakeOver(
    companyId: string,
    key: string,
    hash: string,
  ): Promise<StoredKey | undefined> {
    const [stored] = await this.dataSource.query<StoredKey[]>(
      `SELECT request_hash, status_code, response_body,
              (completed_at IS NULL AND created_at < now() - make_interval(secs => $3)) AS stale
         FROM idempotency_keys WHERE company_id = $1 AND key = $2`,
      [companyId, key, STALE_CLAIM_SECONDS],
    );
    if (!stored)
      throw new DomainException(
        'conflict',
        'idempotency-key-in-progress',
        'A request with this Idempotency-Key is in progress; retry shortly',
      );
    if (stored.request_hash !== hash) {
      throw new DomainException(
        'unprocessable',
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different request',
      );
    }
    if (stored.status_code !== null) return stored;
    if (!stored.stale) {
      throw new DomainException(
        'conflict',
        'idempotency-key-in-progress',
        'A request with this Idempotency-Key is in progress; retry shortly',
      );
    }
    const taken = returnedRows(
      await this.dataSource.query<unknown[]>(
        `UPDATE idempotency_keys SET created_at = now() WHERE company_id = $1 AND key = $2 AND completed_at IS NULL
        AND created_at < now() - make_interval(secs => $3) RETURNING key`,
        [companyId, key, STALE_CLAIM_SECONDS],
      ),
    );
    if (taken.length === 0) {
      throw new DomainException(
        'conflict',
        'idempotency-key-in-progress',
        'A request with this Idempotency-Key is in progress; retry shortly',
      );
    }
    return undefined;
  }

  private successStatus(context: ExecutionContext): number {
    const explicit = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler());
    if (explicit) return explicit;
    const method = this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, context.getHandler());
    return method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK;
  }
}
