import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../../platform/database/rows';
import { DomainException } from '../../../platform/http/domain-exception';
import type { KeysetPosition } from '../../../platform/http/pagination';

export interface VoucherBatchRow {
  id: string;
  company_id: string;
  package_id: string;
  voucher_count: number;
  expires_at: Date;
  note: string | null;
  created_by: string | null;
  created_at: Date;
}

/** A batch with what became of its vouchers (counts come back from PostgreSQL as bigint strings). */
export interface VoucherBatchWithCounts extends VoucherBatchRow {
  total: string;
  redeemed: string;
  expired: string;
}

export interface NewVoucherBatch {
  companyId: string;
  packageId: string;
  expiresAt: Date;
  note: string | null;
  createdBy: string | null;
  at: Date;
  /** Only the hash and the last four characters of each code: the code itself is never stored. */
  codes: Array<{ hash: Buffer; hint: string }>;
}

export interface VoucherClaim {
  companyId: string;
  codeHash: Buffer;
  customerId: string;
  at: Date;
}

/** The voucher a claim took: what the session needs to start. */
export interface ClaimedVoucher {
  id: string;
  batch_id: string;
  package_id: string;
}

const BATCH_COLUMNS = `id, company_id, package_id, voucher_count, expires_at, note, created_by, created_at`;

/**
 * A page of batches (already limited), each with its counts from one aggregate over its vouchers
 * (index session_vouchers_batch): the counts cost a page's vouchers, never the whole company's.
 * An expired voucher is one still unredeemed at its expiry; a redeemed one stays redeemed.
 */
const withCounts = (batches: string, now: string) => `
  SELECT b.id, b.company_id, b.package_id, b.voucher_count, b.expires_at, b.note, b.created_by, b.created_at,
         c.total, c.redeemed, c.expired
    FROM (${batches}) b
   CROSS JOIN LATERAL (
     SELECT count(*) AS total,
            count(v.redeemed_at) AS redeemed,
            count(*) FILTER (WHERE v.redeemed_at IS NULL AND v.expires_at <= ${now}) AS expired
       FROM session_vouchers v
      WHERE v.batch_id = b.id
   ) c
   ORDER BY b.created_at DESC, b.id DESC`;

/** Every query on session_voucher_batches and session_vouchers. */
@Injectable()
export class VouchersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The batch row, then all its vouchers in one set-based INSERT (unnest of the hashes and hints). */
  async insertBatch(manager: EntityManager, b: NewVoucherBatch): Promise<VoucherBatchRow> {
    const [batch] = await manager.query<VoucherBatchRow[]>(
      `INSERT INTO session_voucher_batches (company_id, package_id, voucher_count, expires_at, note, created_by,
         created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${BATCH_COLUMNS}`,
      [b.companyId, b.packageId, b.codes.length, b.expiresAt, b.note, b.createdBy, b.at],
    );
    await manager.query(
      `INSERT INTO session_vouchers (company_id, batch_id, package_id, code_hash, code_hint, expires_at, created_at)
       SELECT $1::uuid, $2::uuid, $3::uuid, decode(code.hash_hex, 'hex'), code.hint, $4::timestamptz, $5::timestamptz
         FROM unnest($6::text[], $7::text[]) AS code (hash_hex, hint)`,
      [
        b.companyId,
        batch.id,
        b.packageId,
        b.expiresAt,
        b.at,
        b.codes.map((code) => code.hash.toString('hex')),
        b.codes.map((code) => code.hint),
      ],
    );
    return batch;
  }

  /** A company's batches, newest first, `limit + 1` after the keyset position, with their counts at `now`. */
  listBatches(
    companyId: string,
    now: Date,
    limit: number,
    after?: KeysetPosition,
  ): Promise<VoucherBatchWithCounts[]> {
    const values: unknown[] = [companyId, now, limit + 1];
    let where = '';
    if (after) {
      values.push(after.at, after.id);
      where = 'AND (created_at, id) < ($4::timestamptz, $5::uuid)';
    }
    return this.dataSource.query<VoucherBatchWithCounts[]>(
      withCounts(
        `SELECT ${BATCH_COLUMNS} FROM session_voucher_batches WHERE company_id = $1 ${where}
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        '$2::timestamptz',
      ),
      values,
    );
  }

  async findBatch(companyId: string, id: string, now: Date): Promise<VoucherBatchWithCounts | undefined> {
    const [row] = await this.dataSource.query<VoucherBatchWithCounts[]>(
      withCounts(
        `SELECT ${BATCH_COLUMNS} FROM session_voucher_batches WHERE company_id = $1 AND id = $2`,
        '$3::timestamptz',
      ),
      [companyId, id, now],
    );
    return row;
  }

  /**
   * Takes the voucher for a customer, once: the conditional UPDATE is the single-use guarantee (a
   * concurrent claim waits on the row lock, then finds it redeemed). When nothing was taken, a second
   * read says why. Runs in the caller's transaction: if the session cannot start, the claim rolls back.
   */
  async claim(manager: EntityManager, c: VoucherClaim): Promise<ClaimedVoucher> {
    const [claimed] = returnedRows(
      await manager.query<ClaimedVoucher[] | [ClaimedVoucher[], number]>(
        `UPDATE session_vouchers SET redeemed_at = $3::timestamptz, redeemed_by_customer = $4
          WHERE company_id = $1 AND code_hash = $2 AND redeemed_at IS NULL AND expires_at > $3::timestamptz
          RETURNING id, batch_id, package_id`,
        [c.companyId, c.codeHash, c.at, c.customerId],
      ),
    );
    if (claimed) return claimed;
    const [voucher] = await manager.query<Array<{ redeemed_at: Date | null; expires_at: Date }>>(
      `SELECT redeemed_at, expires_at FROM session_vouchers WHERE company_id = $1 AND code_hash = $2`,
      [c.companyId, c.codeHash],
    );
    if (!voucher) {
      throw new DomainException('not_found', 'voucher-not-found', 'No voucher has this code');
    }
    if (voucher.redeemed_at === null && new Date(voucher.expires_at).getTime() <= c.at.getTime()) {
      throw new DomainException('unprocessable', 'voucher-expired', 'This voucher has expired');
    }
    // Redeemed (by an earlier claim, or by a concurrent one that committed first).
    throw new DomainException('conflict', 'voucher-already-redeemed', 'This voucher has been used already');
  }

  /** Records the session a claimed voucher started (set once). */
  async attachSession(manager: EntityManager, voucherId: string, sessionId: string): Promise<void> {
    await manager.query(`UPDATE session_vouchers SET session_id = $2 WHERE id = $1 AND session_id IS NULL`, [
      voucherId,
      sessionId,
    ]);
  }
}
