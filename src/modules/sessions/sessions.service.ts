import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, Page, toPage } from '../../platform/http/pagination';
import { requestScope } from '../../platform/http/request-scope';
import { CustomersService } from '../customers/customers.service';
import { PaymentsService } from '../payments/payments.service';
import { CreateSessionDto, ListSessionsQuery, SessionView, sessionView } from './dto/session.dto';
import { packageOffSale, PackageRow, PackagesRepository } from './packages/packages.repository';
import { SessionAuthorizer } from './session-authorizer';
import { SessionLifecycle } from './session-lifecycle';
import { SessionPackageTerms, SessionRow, SessionsRepository } from './sessions.repository';
import { normaliseVoucherCode, voucherCodeHash } from './vouchers/voucher-code';
import { VouchersService } from './vouchers/vouchers.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request's correlation id when it is a uuid (the trace id columns are), else a new one. */
function traceIdOfRequest(): string {
  const correlationId = requestScope.correlationId();
  return correlationId && UUID.test(correlationId) ? correlationId : randomUUID();
}

const packageTerms = (row: PackageRow): SessionPackageTerms => ({
  packageId: row.id,
  packageName: row.name,
  priceMinor: row.price_minor,
  currency: row.currency.trim(),
  durationSeconds: row.duration_seconds,
  dataCapBytes: row.data_cap_bytes,
  speedProfile: row.speed_profile,
  services: row.services,
});

/**
 * WiFi sessions (seed 003): buying a package opens a payment and leaves the session
 * `pending_payment` until the payment's result (SessionPayments); a voucher starts it at once.
 * Customers see and end their own sessions; staff see the tenant's and end any (Admin-Reset).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly packages: PackagesRepository,
    private readonly vouchers: VouchersService,
    private readonly customers: CustomersService,
    private readonly payments: PaymentsService,
    private readonly lifecycle: SessionLifecycle,
    private readonly authorizer: SessionAuthorizer,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(SessionsService.name);
  }

  /** 201 with the new session; the same Idempotency-Key answers the session it made first. */
  async create(principal: Principal, idempotencyKey: string, input: CreateSessionDto): Promise<SessionView> {
    if (input.package_id !== undefined && input.voucher_code !== undefined) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'Buy a package or redeem a voucher, not both',
        [{ field: 'voucher_code', message: 'not with package_id' }],
      );
    }
    const customerId = this.buyer(principal, input.customer_id);
    const existing = await this.repository.byIdempotencyKey(principal.companyId, idempotencyKey);
    if (existing) {
      if (existing.customer_id !== customerId) throw DomainException.notFound('Session');
      return sessionView(existing);
    }
    const customer = await this.customers.get(principal, customerId);
    if (customer.status === 'blocked') {
      throw new DomainException(
        'invalid_state',
        'customer-blocked',
        'A blocked customer cannot start sessions',
      );
    }
    const row =
      input.voucher_code !== undefined
        ? await this.redeem(principal, customerId, idempotencyKey, input.voucher_code)
        : await this.purchase(principal, customerId, idempotencyKey, input);
    return sessionView(row);
  }

  /** The customer a session belongs to (support console search); undefined for none in the company. */
  async customerOf(companyId: string, id: string): Promise<string | undefined> {
    return (await this.repository.find(companyId, id))?.customer_id;
  }

  async get(principal: Principal, id: string): Promise<SessionView> {
    return sessionView(await this.visible(principal, id));
  }

  async list(principal: Principal, query: ListSessionsQuery): Promise<Page<SessionView>> {
    if (principal.customerId && query.customer_id && query.customer_id !== principal.customerId) {
      return { data: [], next_cursor: null };
    }
    const rows = await this.repository.list(
      principal.companyId,
      { customerId: principal.customerId ?? query.customer_id, status: query.status },
      query.limit,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.created_at).toISOString(), id: row.id }),
      sessionView,
    );
  }

  /** The customer ends its own session (User-Request); staff end any (Admin-Reset). */
  async terminate(principal: Principal, id: string, note?: string): Promise<SessionView> {
    await this.visible(principal, id);
    const byCustomer = principal.customerId !== undefined;
    const ended = await this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, principal.companyId, id);
      if (!locked) throw DomainException.notFound('Session');
      if (locked.status !== 'active') {
        throw new DomainException(
          'invalid_state',
          'session-not-active',
          `A ${locked.status} session cannot be ended`,
        );
      }
      const [row] = await this.repository.terminate(manager, principal.companyId, [id], {
        reason: byCustomer ? 'user_request' : 'admin_reset',
        cause: byCustomer ? 'User-Request' : 'Admin-Reset',
        by: byCustomer ? 'customer' : 'staff',
        at: this.clock.now(),
      });
      await this.lifecycle.ended(manager, [row], principal.userId);
      return row;
    });
    await this.authorizer.remember([ended]);
    this.logger.info(
      {
        operation: 'sessions.terminate',
        company_id: principal.companyId,
        customer_id: ended.customer_id,
        user_id: principal.userId,
        session_id: id,
        reason: ended.termination_reason,
        note_given: note !== undefined,
      },
      'Session terminated',
    );
    return sessionView(ended);
  }

  private async purchase(
    principal: Principal,
    customerId: string,
    idempotencyKey: string,
    input: CreateSessionDto,
  ): Promise<SessionRow> {
    const pkg = await this.sellable(principal.companyId, input.package_id!);
    const traceId = traceIdOfRequest();
    const created = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, {
        ...packageTerms(pkg),
        companyId: principal.companyId,
        customerId,
        source: 'purchase',
        status: 'pending_payment',
        voucherId: null,
        idempotencyKey,
        traceId,
        createdBy: principal.userId,
        at: this.clock.now(),
      });
      if (!row) return undefined; // the same key won a race: answer its session below
      const payment = await this.payments.openForPurpose(manager, {
        companyId: principal.companyId,
        customerId,
        userId: principal.userId,
        amountMinor: Number(pkg.price_minor),
        currency: pkg.currency.trim(),
        method: input.method ?? 'mobile_money',
        phone: input.phone ?? null,
        purposeType: 'package',
        purposeId: row.id,
        idempotencyKey: `session:${row.id}`,
        traceId,
      });
      if (!payment) throw new Error(`Session ${row.id} already had a payment`);
      return this.repository.setPayment(manager, row.id, payment.id);
    });
    const row = created ?? (await this.repository.byIdempotencyKey(principal.companyId, idempotencyKey));
    if (!row) throw new Error('A session vanished after its idempotency key conflicted');
    this.logger.info(
      {
        operation: 'sessions.purchase',
        company_id: principal.companyId,
        customer_id: customerId,
        user_id: principal.userId,
        session_id: row.id,
        package_id: pkg.id,
        payment_id: row.payment_id,
        trace_id: row.trace_id,
      },
      'Package purchase started',
    );
    return row;
  }

  private async redeem(
    principal: Principal,
    customerId: string,
    idempotencyKey: string,
    code: string,
  ): Promise<SessionRow> {
    const normalised = normaliseVoucherCode(code);
    if (!normalised) {
      throw new DomainException('invalid_input', 'validation-failed', 'That is not a voucher code', [
        { field: 'voucher_code', message: 'a code is 16 letters and digits, e.g. K7QM-2XRT-9VHC-4NPB' },
      ]);
    }
    const at = this.clock.now();
    const started = await this.repository
      .transaction(async (manager) => {
        const voucher = await this.vouchers.claim(manager, {
          companyId: principal.companyId,
          codeHash: voucherCodeHash(normalised),
          customerId,
          at,
        });
        const pkg = await this.packages.find(principal.companyId, voucher.package_id, manager);
        if (!pkg?.active) throw packageOffSale();
        const row = await this.repository.insert(manager, {
          ...packageTerms(pkg),
          companyId: principal.companyId,
          customerId,
          source: 'voucher',
          status: 'active',
          voucherId: voucher.id,
          idempotencyKey,
          traceId: traceIdOfRequest(),
          createdBy: principal.userId,
          at,
        });
        // The same key won a race while this claim waited: undo the claim, answer that session.
        if (!row) throw new IdempotentReplay();
        await this.vouchers.attachSession(manager, voucher.id, row.id);
        await this.lifecycle.started(manager, row, {
          userId: principal.userId,
          voucherBatchId: voucher.batch_id,
        });
        return row;
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof IdempotentReplay)) throw error;
        const replay = await this.repository.byIdempotencyKey(principal.companyId, idempotencyKey);
        if (!replay) throw new Error('A session vanished after its idempotency key conflicted');
        return replay;
      });
    this.logger.info(
      {
        operation: 'sessions.voucher',
        company_id: principal.companyId,
        customer_id: customerId,
        user_id: principal.userId,
        session_id: started.id,
        voucher_id: started.voucher_id,
      },
      'Voucher redeemed',
    );
    return started;
  }

  private async sellable(companyId: string, packageId: string): Promise<PackageRow> {
    const pkg = await this.packages.find(companyId, packageId);
    if (!pkg) throw DomainException.notFound('Package');
    if (!pkg.active) throw packageOffSale();
    return pkg;
  }

  private buyer(principal: Principal, customerId: string | undefined): string {
    if (principal.customerId) {
      if (customerId && customerId !== principal.customerId) throw DomainException.notFound('Customer');
      return principal.customerId;
    }
    if (!customerId) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'Name the customer the session is for',
        [{ field: 'customer_id', message: 'customer_id is required for staff' }],
      );
    }
    return customerId;
  }

  private async visible(principal: Principal, id: string): Promise<SessionRow> {
    const row = await this.repository.find(principal.companyId, id);
    if (!row || (principal.customerId && row.customer_id !== principal.customerId)) {
      throw DomainException.notFound('Session');
    }
    return row;
  }
}

/** Rolls a voucher claim back when its idempotency key turned out to be taken. */
class IdempotentReplay extends Error {}
