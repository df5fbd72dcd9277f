import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';
import type { KeysetPosition } from '../../platform/http/pagination';

export const PAYMENT_STATUSES = ['requires_action', 'processing', 'succeeded', 'failed', 'canceled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PAYMENT_METHODS = ['card', 'mobile_money', 'bank_transfer'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface PaymentRow {
  id: string;
  company_id: string;
  customer_id: string;
  amount_minor: string;
  currency: string;
  method: PaymentMethod;
  purpose_type: 'invoice' | 'package';
  purpose_id: string;
  phone: string | null;
  status: PaymentStatus;
  error_code: string | null;
  error_class: string | null;
  error_message: string | null;
  provider: string;
  gateway_reference: string | null;
  provider_reference: string | null;
  attempts: number;
  idempotency_key: string;
  trace_id: string;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export interface NewPayment {
  companyId: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  method: PaymentMethod;
  purposeType: 'invoice' | 'package';
  purposeId: string;
  phone: string | null;
  status: PaymentStatus;
  provider: string;
  idempotencyKey: string;
  traceId: string;
  createdBy: string | null;
  at: Date;
}

export interface PaymentFailure {
  errorCode: string;
  errorClass: string;
  errorMessage: string;
}

const COLUMNS = `id, company_id, customer_id, amount_minor, currency, method, purpose_type, purpose_id, phone, status,
  error_code, error_class, error_message, provider, gateway_reference, provider_reference, attempts,
  idempotency_key, trace_id, created_by, created_at, updated_at, completed_at`;

/** Every query of the payments module. */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The new intent, or undefined when the company already has one with this Idempotency-Key. */
  async insert(manager: EntityManager, p: NewPayment): Promise<PaymentRow | undefined> {
    const [row] = await manager.query<PaymentRow[]>(
      `INSERT INTO payment_intents (company_id, customer_id, amount_minor, currency, method, purpose_type, purpose_id,
         phone, status, provider, idempotency_key, trace_id, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
       ON CONFLICT (company_id, idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        p.companyId,
        p.customerId,
        p.amountMinor,
        p.currency,
        p.method,
        p.purposeType,
        p.purposeId,
        p.phone,
        p.status,
        p.provider,
        p.idempotencyKey,
        p.traceId,
        p.createdBy,
        p.at,
      ],
    );
    return row;
  }

  async byIdempotencyKey(companyId: string, key: string): Promise<PaymentRow | undefined> {
    const [row] = await this.dataSource.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE company_id = $1 AND idempotency_key = $2`,
      [companyId, key],
    );
    return row;
  }

  async find(companyId: string, id: string): Promise<PaymentRow | undefined> {
    const [row] = await this.dataSource.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return row;
  }

  async lock(manager: EntityManager, companyId: string, id: string): Promise<PaymentRow | undefined> {
    const [row] = await manager.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE company_id = $1 AND id = $2 FOR UPDATE`,
      [companyId, id],
    );
    return row;
  }

  /** Callbacks carry no tenant: they find their intent by the provider's checkout id. */
  async lockByGatewayReference(
    manager: EntityManager,
    provider: string,
    reference: string,
  ): Promise<PaymentRow | undefined> {
    const [row] = await manager.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE provider = $1 AND gateway_reference = $2 FOR UPDATE`,
      [provider, reference],
    );
    return row;
  }

  async list(
    companyId: string,
    filter: { customerId?: string; status?: PaymentStatus },
    limit: number,
    after: KeysetPosition | undefined,
  ): Promise<PaymentRow[]> {
    const params: unknown[] = [companyId, filter.customerId ?? null, filter.status ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (created_at, id) < ($5::timestamptz, $6::uuid)';
    }
    return this.dataSource.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents
        WHERE company_id = $1 AND ($2::uuid IS NULL OR customer_id = $2) AND ($3::text IS NULL OR status = $3)
          ${keyset}
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      params,
    );
  }

  async markInitiated(
    manager: EntityManager,
    id: string,
    gatewayReference: string,
    attempts: number,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE payment_intents SET gateway_reference = $2, attempts = $3, updated_at = $4 WHERE id = $1`,
      [id, gatewayReference, attempts, at],
    );
  }

  async setAttempts(manager: EntityManager, id: string, attempts: number): Promise<void> {
    await manager.query(`UPDATE payment_intents SET attempts = $2 WHERE id = $1`, [id, attempts]);
  }

  /** Back to processing for another initiation: the old checkout id is let go (its late callbacks find nothing). */
  async markRetrying(manager: EntityManager, id: string, failure: PaymentFailure, at: Date): Promise<void> {
    await manager.query(
      `UPDATE payment_intents SET gateway_reference = NULL, error_code = $2, error_class = $3, error_message = $4,
              updated_at = $5 WHERE id = $1`,
      [id, failure.errorCode, failure.errorClass, failure.errorMessage, at],
    );
  }

  async markSucceeded(
    manager: EntityManager,
    id: string,
    providerReference: string | null,
    at: Date,
  ): Promise<PaymentRow> {
    const rows = returnedRows(
      await manager.query<PaymentRow[]>(
        `UPDATE payment_intents SET status = 'succeeded', provider_reference = $2, error_code = NULL, error_class = NULL,
                error_message = NULL, updated_at = $3, completed_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, providerReference, at],
      ),
    );
    return rows[0];
  }

  async markFailed(
    manager: EntityManager,
    id: string,
    failure: PaymentFailure,
    at: Date,
  ): Promise<PaymentRow> {
    const rows = returnedRows(
      await manager.query<PaymentRow[]>(
        `UPDATE payment_intents SET status = 'failed', error_code = $2, error_class = $3, error_message = $4,
                updated_at = $5, completed_at = $5 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, failure.errorCode, failure.errorClass, failure.errorMessage, at],
      ),
    );
    return rows[0];
  }

  async markCanceled(manager: EntityManager, id: string, at: Date): Promise<PaymentRow> {
    const rows = returnedRows(
      await manager.query<PaymentRow[]>(
        `UPDATE payment_intents SET status = 'canceled', updated_at = $2, completed_at = $2 WHERE id = $1
         RETURNING ${COLUMNS}`,
        [id, at],
      ),
    );
    return rows[0];
  }

  /** Records a verified callback once: false when the same callback (same body) was recorded before. */
  async recordCallback(
    manager: EntityManager,
    c: {
      provider: string;
      checkoutRequestId: string;
      bodyHash: string;
      resultCode: number | null;
      companyId: string | null;
      paymentId: string | null;
      outcome: string;
      at: Date;
      /** Kept only for an early callback, which is applied later from it. */
      body?: unknown;
    },
  ): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `INSERT INTO payment_callbacks (provider, checkout_request_id, body_hash, result_code, company_id, payment_id,
         outcome, received_at, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) ON CONFLICT (provider, body_hash) DO NOTHING RETURNING id`,
      [
        c.provider,
        c.checkoutRequestId,
        c.bodyHash,
        c.resultCode,
        c.companyId,
        c.paymentId,
        c.outcome,
        c.at,
        c.body === undefined ? null : JSON.stringify(c.body),
      ],
    );
    return rows.length > 0;
  }

  /**
   * Serialises the callback for a checkout id with the transaction that records that checkout id on its
   * intent: whichever commits second sees the other (a callback either finds its intent, or is kept as
   * early and found by the push's transaction).
   */
  async lockCheckout(manager: EntityManager, provider: string, checkoutRequestId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`, [
      provider,
      checkoutRequestId,
    ]);
  }

  /** Callbacks for a checkout id that arrived before its intent knew the id, oldest first, locked. */
  async earlyCallbacks(
    manager: EntityManager,
    provider: string,
    checkoutRequestId: string,
  ): Promise<Array<{ body_hash: string; body: unknown }>> {
    return manager.query(
      `SELECT body_hash, body FROM payment_callbacks
        WHERE provider = $1 AND checkout_request_id = $2 AND outcome = 'early'
        ORDER BY received_at, id FOR UPDATE`,
      [provider, checkoutRequestId],
    );
  }

  /** An early callback, now applied to its intent. */
  async settleEarlyCallback(
    manager: EntityManager,
    c: { provider: string; bodyHash: string; companyId: string; paymentId: string; outcome: string },
  ): Promise<void> {
    await manager.query(
      `UPDATE payment_callbacks SET company_id = $3, payment_id = $4, outcome = $5
        WHERE provider = $1 AND body_hash = $2`,
      [c.provider, c.bodyHash, c.companyId, c.paymentId, c.outcome],
    );
  }

  async setCallbackOutcome(
    manager: EntityManager,
    provider: string,
    bodyHash: string,
    outcome: string,
  ): Promise<void> {
    await manager.query(`UPDATE payment_callbacks SET outcome = $3 WHERE provider = $1 AND body_hash = $2`, [
      provider,
      bodyHash,
      outcome,
    ]);
  }

  /** Intents waiting for the gateway's result for longer than `olderThan` (all tenants; the partial index). */
  async stuckProcessing(olderThan: Date, limit: number): Promise<PaymentRow[]> {
    return this.dataSource.query<PaymentRow[]>(
      `SELECT ${COLUMNS} FROM payment_intents
        WHERE status = 'processing' AND updated_at < $1 AND gateway_reference IS NOT NULL
        ORDER BY updated_at LIMIT $2`,
      [olderThan, limit],
    );
  }
}
