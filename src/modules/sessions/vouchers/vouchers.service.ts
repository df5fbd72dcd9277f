import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, DEFAULT_LIMIT, PageQuery, toPage } from '../../../platform/http/pagination';
import { packageOffSale, PackagesRepository } from '../packages/packages.repository';
import {
  batchExpiry,
  CreateVoucherBatchDto,
  voucherBatchView,
  voucherBatchWithCountsView,
} from './dto/voucher.dto';
import {
  formatVoucherCode,
  newVoucherCode,
  normaliseVoucherCode,
  voucherCodeHash,
  voucherCodeHint,
} from './voucher-code';
import { ClaimedVoucher, VoucherClaim, VouchersRepository } from './vouchers.repository';

/**
 * Prepaid vouchers (seed 003): admins make them in batches for a package; a customer redeems a code
 * once, through the sessions API, and the session starts without a payment. A code exists in clear
 * only in the answer that created its batch: the database keeps its SHA-256 and last four characters,
 * and no log line ever carries one.
 */
@Injectable()
export class VouchersService {
  constructor(
    private readonly repository: VouchersRepository,
    private readonly packages: PackagesRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(VouchersService.name);
  }

  /** The batch and its codes: the only time the codes are shown. */
  async createBatch(principal: Principal, input: CreateVoucherBatchDto) {
    const started = performance.now();
    const pkg = await this.packages.find(principal.companyId, input.package_id);
    if (!pkg) throw DomainException.notFound('Package');
    if (!pkg.active) throw packageOffSale();
    const now = this.clock.now();
    const expiry = batchExpiry(input, now);
    if ('errors' in expiry) {
      throw new DomainException(
        'invalid_input',
        'voucher-batch-invalid',
        'The voucher batch is invalid',
        expiry.errors,
      );
    }
    const codes = freshCodes(input.count);
    const batch = await this.repository.transaction((manager) =>
      this.repository.insertBatch(manager, {
        companyId: principal.companyId,
        packageId: pkg.id,
        expiresAt: expiry.expiresAt,
        note: input.note || null,
        createdBy: principal.userId,
        at: now,
        codes: codes.map((code) => ({ hash: voucherCodeHash(code), hint: voucherCodeHint(code) })),
      }),
    );
    this.logger.info(
      {
        operation: 'vouchers.create_batch',
        company_id: principal.companyId,
        user_id: principal.userId,
        batch_id: batch.id,
        package_id: pkg.id,
        count: codes.length,
        duration_ms: Math.round(performance.now() - started),
      },
      'Voucher batch created',
    );
    return {
      batch: voucherBatchView(batch, { total: codes.length, redeemed: 0, expired: 0 }),
      codes: codes.map(formatVoucherCode),
    };
  }

  /** The company's batches, newest first, with what became of their vouchers. */
  async listBatches(principal: Principal, query: PageQuery) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listBatches(principal.companyId, this.clock.now(), limit, after);
    return toPage(
      rows,
      limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      voucherBatchWithCountsView,
    );
  }

  async getBatch(principal: Principal, id: string) {
    const row = await this.repository.findBatch(principal.companyId, id, this.clock.now());
    if (!row) throw DomainException.notFound('Voucher batch');
    return voucherBatchWithCountsView(row);
  }

  /**
   * Takes a voucher for a customer, inside the caller's transaction (the sessions service starts the
   * session in the same one, so a session that cannot start leaves the voucher unredeemed). Throws
   * 404 voucher-not-found, 409 voucher-already-redeemed or 422 voucher-expired.
   */
  claim(manager: EntityManager, input: VoucherClaim): Promise<ClaimedVoucher> {
    return this.repository.claim(manager, input);
  }

  /** Records the session a claimed voucher started. */
  attachSession(manager: EntityManager, voucherId: string, sessionId: string): Promise<void> {
    return this.repository.attachSession(manager, voucherId, sessionId);
  }
}

/** `count` distinct new codes, normalised (a repeat among 80-bit codes is all but impossible; still, never two). */
function freshCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(normaliseVoucherCode(newVoucherCode())!);
  return [...codes];
}
