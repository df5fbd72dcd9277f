import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { KeysetPosition } from '../../platform/http/pagination';
import type { AccountType } from './bank-account-validation';

export type RequestStatus = 'queued' | 'processing' | 'waiting_external' | 'completed' | 'failed';
export type SetupErrorType = 'validation_error' | 'external_service_error' | 'timeout_error' | 'system_error';

/** A request as the API shows it: masked forms only. */
export interface BankAccountRequestRow {
  id: string;
  company_id: string;
  customer_id: string;
  trace_id: string;
  status: RequestStatus;
  account_type: AccountType;
  routing_number_masked: string | null;
  account_last4: string | null;
  iban_masked: string | null;
  error_type: SetupErrorType | null;
  error_message: string | null;
  attempts: number;
  requested_by: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

/** What a re-queued request was before (BankAccountsRepository.requeue). */
export interface RequeuedFrom {
  previous_status: RequestStatus;
  previous_error_type: SetupErrorType | null;
}

/** What the worker needs on top: the holder's name and the sealed numbers. */
export interface ClaimedRequestRow extends BankAccountRequestRow {
  account_holder_name: string;
  account_number_encrypted: Buffer;
  routing_number_encrypted: Buffer | null;
}

export interface BankAccountRow {
  id: string;
  company_id: string;
  customer_id: string;
  request_id: string;
  account_type: AccountType;
  account_holder_name: string;
  routing_number_masked: string | null;
  iban_masked: string | null;
  account_last4: string | null;
  status: 'active';
  created_at: Date;
}

const REQUEST_COLUMNS = `id, company_id, customer_id, trace_id, status, account_type, routing_number_masked,
  account_last4, iban_masked, error_type, error_message, attempts, requested_by, created_at, updated_at, completed_at`;
/** REQUEST_COLUMNS of the table aliased `r` (an UPDATE … FROM names its own columns so). */
const QUALIFIED_REQUEST_COLUMNS = REQUEST_COLUMNS.split(',')
  .map((column) => `r.${column.trim()}`)
  .join(', ');
const CLAIMED_COLUMNS = `${REQUEST_COLUMNS}, account_holder_name, account_number_encrypted, routing_number_encrypted`;
const ACCOUNT_COLUMNS = `id, company_id, customer_id, request_id, account_type, account_holder_name,
  routing_number_masked, iban_masked, account_last4, status, created_at`;

export interface NewRequest {
  companyId: string;
  customerId: string;
  traceId: string;
  accountType: AccountType;
  accountHolderName: string;
  routingNumberMasked: string | null;
  accountLast4: string | null;
  ibanMasked: string | null;
  accountNumberEncrypted: Buffer;
  routingNumberEncrypted: Buffer | null;
  requestedBy: string | null;
  at: Date;
}

/** Every query of the bank-accounts module: its own two tables. */
@Injectable()
export class BankAccountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insertRequest(manager: EntityManager, r: NewRequest): Promise<BankAccountRequestRow> {
    const rows = await manager.query<BankAccountRequestRow[]>(
      `INSERT INTO bank_account_requests (company_id, customer_id, trace_id, account_type, account_holder_name,
         routing_number_masked, account_last4, iban_masked, account_number_encrypted, routing_number_encrypted,
         requested_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ${REQUEST_COLUMNS}`,
      [
        r.companyId,
        r.customerId,
        r.traceId,
        r.accountType,
        r.accountHolderName,
        r.routingNumberMasked,
        r.accountLast4,
        r.ibanMasked,
        r.accountNumberEncrypted,
        r.routingNumberEncrypted,
        r.requestedBy,
        r.at,
      ],
    );
    return rows[0];
  }

  async findRequest(companyId: string, id: string): Promise<BankAccountRequestRow | undefined> {
    const rows = await this.dataSource.query<BankAccountRequestRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM bank_account_requests WHERE company_id = $1 AND id = $2`,
      [companyId, id],
    );
    return rows[0];
  }

  /** A customer's newest `limit` setup requests, newest first (masked columns only). */
  recentRequests(companyId: string, customerId: string, limit: number): Promise<BankAccountRequestRow[]> {
    return this.dataSource.query<BankAccountRequestRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM bank_account_requests WHERE company_id = $1 AND customer_id = $2
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [companyId, customerId, limit],
    );
  }

  /**
   * Puts a failed or stuck request back to `queued`, in one conditional statement under the row's lock:
   * failed for a reason a re-run can cure (not `validation_error`), or open (queued, processing,
   * waiting_external) with no change since `stuckBefore`. Undefined when the request is none of these, so
   * of two concurrent calls exactly one gets the row: the second sees the first's `queued` and `at`.
   */
  async requeue(
    manager: EntityManager,
    companyId: string,
    id: string,
    at: Date,
    stuckBefore: Date,
  ): Promise<(BankAccountRequestRow & RequeuedFrom) | undefined> {
    const rows = await manager.query<[Array<BankAccountRequestRow & RequeuedFrom>, number]>(
      `UPDATE bank_account_requests r
          SET status = 'queued', error_type = NULL, error_message = NULL, completed_at = NULL, updated_at = $3
         FROM (SELECT id, status, error_type FROM bank_account_requests
                WHERE company_id = $1 AND id = $2 FOR UPDATE) old
        WHERE r.id = old.id
          AND ((old.status = 'failed' AND old.error_type IS DISTINCT FROM 'validation_error')
               OR (old.status IN ('queued', 'processing', 'waiting_external') AND r.updated_at < $4))
        RETURNING ${QUALIFIED_REQUEST_COLUMNS},
                  old.status AS previous_status, old.error_type AS previous_error_type`,
      [companyId, id, at, stuckBefore],
    );
    return rows[0][0];
  }

  /** Takes an open request for a worker run (one more attempt); undefined once it is completed or failed. */
  async claim(companyId: string, id: string, at: Date): Promise<ClaimedRequestRow | undefined> {
    const rows = await this.dataSource.query<[ClaimedRequestRow[], number]>(
      `UPDATE bank_account_requests SET status = 'processing', attempts = attempts + 1, updated_at = $3
        WHERE company_id = $1 AND id = $2 AND status NOT IN ('completed', 'failed')
        RETURNING ${CLAIMED_COLUMNS}`,
      [companyId, id, at],
    );
    return rows[0][0];
  }

  /** The validation service is unavailable: the request waits for the next attempt. */
  async markWaiting(id: string, errorType: SetupErrorType, message: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE bank_account_requests SET status = 'waiting_external', error_type = $2, error_message = $3, updated_at = $4
        WHERE id = $1 AND status = 'processing'`,
      [id, errorType, message, at],
    );
  }

  /** The request's row, locked for the transaction that decides its outcome. */
  async lock(manager: EntityManager, id: string): Promise<{ status: RequestStatus } | undefined> {
    const rows = await manager.query<{ status: RequestStatus }[]>(
      `SELECT status FROM bank_account_requests WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0];
  }

  async fail(
    manager: EntityManager,
    id: string,
    errorType: SetupErrorType,
    message: string,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE bank_account_requests SET status = 'failed', error_type = $2, error_message = $3, updated_at = $4,
              completed_at = $4
        WHERE id = $1`,
      [id, errorType, message, at],
    );
  }

  /** Creates the request's account once: a second run finds the first one's (request_id is unique). */
  async createAccount(manager: EntityManager, request: ClaimedRequestRow, at: Date): Promise<BankAccountRow> {
    const inserted = await manager.query<BankAccountRow[]>(
      `INSERT INTO bank_accounts (company_id, customer_id, request_id, account_type, account_holder_name,
         routing_number_masked, iban_masked, account_last4, account_number_encrypted, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (request_id) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
      [
        request.company_id,
        request.customer_id,
        request.id,
        request.account_type,
        request.account_holder_name,
        request.routing_number_masked,
        request.iban_masked,
        request.account_last4,
        request.account_number_encrypted,
        at,
      ],
    );
    if (inserted[0]) return inserted[0];
    const existing = await manager.query<BankAccountRow[]>(
      `SELECT ${ACCOUNT_COLUMNS} FROM bank_accounts WHERE request_id = $1`,
      [request.id],
    );
    return existing[0];
  }

  async complete(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE bank_account_requests SET status = 'completed', error_type = NULL, error_message = NULL,
              updated_at = $2, completed_at = $2
        WHERE id = $1`,
      [id, at],
    );
  }

  /** A customer's accounts, newest first, `limit + 1` after the keyset position. */
  listAccounts(
    companyId: string,
    customerId: string,
    limit: number,
    after?: KeysetPosition,
  ): Promise<BankAccountRow[]> {
    const values: unknown[] = [companyId, customerId, limit + 1];
    let where = '';
    if (after) {
      values.push(after.at, after.id);
      where = 'AND (created_at, id) < ($4::timestamptz, $5::uuid)';
    }
    return this.dataSource.query<BankAccountRow[]>(
      `SELECT ${ACCOUNT_COLUMNS} FROM bank_accounts WHERE company_id = $1 AND customer_id = $2 ${where}
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      values,
    );
  }
}
