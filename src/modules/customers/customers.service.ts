import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, Page, toPage } from '../../platform/http/pagination';
import { requestScope } from '../../platform/http/request-scope';
import { InvoicesService } from '../invoices/invoices.service';
import { canSeeCustomer, customerScope } from './customer-access';
import { formatCustomerNumber } from './customer-number';
import { judgeTransition } from './customer-status';
import {
  AuditEntry,
  AuditRow,
  CustomersRepository,
  SupportCardRow,
  SupportHitRow,
} from './customers.repository';
import { CustomersMetrics } from './customers.metrics';
import { DeleteReason } from './customers.events';
import { ChangeStatusDto, CreateCustomerDto, CustomerResponse, UpdateCustomerDto } from './dto/customer.dto';
import type { ListCustomersQuery } from './dto/list-customers.query';
import { Customer, CustomerSource } from './entities/customer.entity';

export type { AuditRow, SupportCardRow, SupportHitRow } from './customers.repository';

export interface CustomerContactPoints {
  customerId: string;
  customerNumber: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** The customer's tags, for rules that depend on them (e.g. SLA policies). */
  tags: string[];
}

/** Fields an update may change, with the entity property each maps to. */
const UPDATABLE = {
  external_id: 'externalId',
  name: 'name',
  email: 'email',
  phone: 'phone',
  currency: 'currency',
  billing_address: 'billingAddress',
  tags: 'tags',
  metadata: 'metadata',
} as const satisfies Record<string, keyof Customer>;
type UpdatableField = keyof typeof UPDATABLE;

/** Personal data blanked by GDPR erasure, here and in the audit history. */
const PERSONAL_FIELDS = ['name', 'email', 'phone', 'billing_address', 'metadata', 'tags'];
const ERASED_NAME = 'Erased customer';

/** The customer lifecycle: the module's public API. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly events: EventBus,
    private readonly invoices: InvoicesService,
    private readonly metrics: CustomersMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CustomersService.name);
  }

  async create(
    principal: Principal,
    input: CreateCustomerDto,
    source: CustomerSource = input.source ?? 'api',
  ) {
    const started = performance.now();
    const number = formatCustomerNumber(await this.repository.reserveCustomerNumbers(principal.companyId));
    const now = this.clock.now();
    const customer = await this.repository.transaction(async (manager) => {
      const created = await this.repository.insert(manager, {
        companyId: principal.companyId,
        customerNumber: number,
        externalId: input.external_id ?? null,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        currency: input.currency,
        billingAddress: input.billing_address ? { ...input.billing_address } : null,
        tags: dedupe(input.tags ?? []),
        metadata: input.metadata ?? {},
        status: input.status ?? 'active',
        source,
        createdAt: now,
      });
      await this.repository.appendAudit(manager, [
        this.audit(principal, created.id, 'customer', created.id, 'created', snapshot(created), now),
      ]);
      await this.events.publish(manager, {
        type: 'CustomerCreated',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: created.id,
        metadata: { customer_number: number, status: created.status, source },
      });
      return created;
    });
    this.metrics.customerCreated(principal.companyId, source, customer.status);
    this.logOperation('customer.create', 'Customer created', principal, customer, started, { source });
    return customer;
  }

  async get(principal: Principal, id: string, includeDeleted = false): Promise<Customer> {
    const customer = canSeeCustomer(principal, id)
      ? await this.repository.findById(
          principal.companyId,
          id,
          includeDeleted && principal.roles.includes('admin'),
        )
      : null;
    if (!customer) throw DomainException.notFound('Customer');
    return customer;
  }

  /**
   * Where to reach a customer: the primary contact's email and phone, falling back to the customer's
   * own. Undefined for a missing, deleted or erased customer. For the notifications module.
   */
  async contactPoints(companyId: string, customerId: string): Promise<CustomerContactPoints | undefined> {
    const customer = await this.repository.findById(companyId, customerId);
    if (!customer || customer.anonymizedAt) return undefined;
    const primary = await this.repository.primaryContact(companyId, customerId);
    return {
      customerId,
      customerNumber: customer.customerNumber,
      name: primary?.name ?? customer.name,
      email: primary?.email ?? customer.email,
      phone: primary?.phone ?? customer.phone,
      tags: customer.tags,
    };
  }

  /**
   * Active customers (not blocked, inactive, deleted or erased) carrying any of `tags`, in one query
   * over the tags index: for rules that pick customers by tag (maintenance notices: `service:<name>`).
   */
  activeIdsTagged(companyId: string, tags: string[]): Promise<string[]> {
    return tags.length > 0 ? this.repository.activeIdsWithAnyTag(companyId, tags) : Promise.resolve([]);
  }

  /** Which of `ids` are still customers that can be addressed (not deleted or erased). */
  liveIds(companyId: string, ids: string[]): Promise<string[]> {
    return ids.length > 0 ? this.repository.liveIds(companyId, ids) : Promise.resolve([]);
  }

  /**
   * New registrations for reports: customers created in [from, to), deleted ones included, per UTC
   * hour, day, ISO week or month (keyed by the interval's aligned start; empty intervals left out).
   */
  registrationCounts(
    companyId: string,
    from: Date,
    to: Date,
    interval: 'hour' | 'day' | 'week' | 'month',
  ): Promise<Array<{ start: Date; count: number }>> {
    return this.repository.registrationCounts(companyId, from, to, interval);
  }

  /**
   * The support console's search over customers (number, email, phone digits, text), best first; see
   * CustomersRepository.supportSearch. Live customers only.
   */
  supportSearch(
    companyId: string,
    terms: { customerNumber?: number; email?: string; phoneDigits?: string; text?: string },
    limit: number,
  ): Promise<SupportHitRow[]> {
    return this.repository.supportSearch(
      companyId,
      {
        ...terms,
        customerNumber:
          terms.customerNumber === undefined ? undefined : formatCustomerNumber(terms.customerNumber),
      },
      limit,
    );
  }

  /** Number, name, contact points and status of the live customers among `ids` (support console). */
  supportCards(companyId: string, ids: string[]): Promise<SupportCardRow[]> {
    return ids.length > 0 ? this.repository.supportCards(companyId, ids) : Promise.resolve([]);
  }

  /** The newest `limit` entries of a customer's audit trail (support console). */
  async recentAudit(companyId: string, customerId: string, limit: number): Promise<AuditRow[]> {
    return (await this.repository.listAudit(companyId, customerId, limit)).slice(0, limit);
  }

  /**
   * Appends an entry to a customer's audit trail inside the caller's transaction, for changes other
   * modules make on the customer's behalf (a re-run bank-account setup).
   */
  async appendAudit(
    manager: EntityManager,
    principal: Principal,
    entry: {
      customerId: string;
      entityType: AuditEntry['entityType'];
      entityId: string;
      action: string;
      changes?: AuditEntry['changes'];
      reason?: string;
    },
  ): Promise<void> {
    await this.repository.appendAudit(manager, [
      this.audit(
        principal,
        entry.customerId,
        entry.entityType,
        entry.entityId,
        entry.action,
        entry.changes ?? {},
        this.clock.now(),
        entry.reason,
      ),
    ]);
  }

  async list(principal: Principal, query: ListCustomersQuery): Promise<Page<CustomerResponse>> {
    if (query.include_deleted && !principal.roles.includes('admin')) {
      throw new DomainException('forbidden', 'forbidden', 'Only admins may list deleted customers');
    }
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.list(
      principal.companyId,
      {
        status: query.status,
        tag: query.tag,
        createdFrom: query.created_from,
        createdTo: query.created_to,
        search: query.q,
        includeDeleted: query.include_deleted,
        onlyId: customerScope(principal),
      },
      query.limit,
      after,
    );
    return toPage(
      rows,
      query.limit,
      (c) => ({ at: c.createdAt.toISOString(), id: c.id }),
      (customer) => CustomerResponse.from(customer),
    );
  }

  async update(principal: Principal, id: string, input: UpdateCustomerDto): Promise<Customer> {
    const started = performance.now();
    const now = this.clock.now();
    const { customer, changed } = await this.repository.transaction(async (manager) => {
      const current = await this.lockOrNotFound(manager, principal, id);
      const changes = diff(current, input);
      const fields = Object.keys(changes);
      if (fields.length === 0) return { customer: current, changed: fields };
      if (changes.currency && (await this.invoices.hasFinancialRecords(principal.companyId, id))) {
        throw new DomainException(
          'conflict',
          'customer-currency-locked',
          'The currency cannot change once the customer has invoices',
          [{ field: 'currency', message: 'the customer has invoices in its current currency' }],
        );
      }
      for (const field of fields as UpdatableField[]) {
        (current as unknown as Record<string, unknown>)[UPDATABLE[field]] =
          field === 'tags' ? dedupe(input.tags ?? []) : (input[field] ?? null);
      }
      current.updatedAt = now;
      const saved = await this.repository.save(manager, current);
      await this.repository.appendAudit(manager, [
        this.audit(principal, id, 'customer', id, 'updated', changes, now),
      ]);
      await this.events.publish(manager, {
        type: 'CustomerUpdated',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: id,
        metadata: { customer_number: saved.customerNumber, fields_changed: fields },
      });
      return { customer: saved, changed: fields };
    });
    if (changed.length > 0) this.metrics.customerUpdated(principal.companyId, changed);
    this.logOperation('customer.update', 'Customer updated', principal, customer, started, {
      fields_changed: changed,
    });
    return customer;
  }

  async changeStatus(principal: Principal, id: string, input: ChangeStatusDto): Promise<Customer> {
    const started = performance.now();
    const now = this.clock.now();
    const { customer, from } = await this.repository.transaction(async (manager) => {
      const current = await this.lockOrNotFound(manager, principal, id);
      const from = current.status;
      switch (judgeTransition(from, input.status, principal.roles)) {
        case 'not_allowed':
          throw new DomainException(
            'invalid_state',
            'customer-status-transition-not-allowed',
            `A customer cannot go from ${from} to ${input.status}`,
            [{ field: 'status', message: `${from} → ${input.status} is not an allowed transition` }],
          );
        case 'forbidden_role':
          throw new DomainException(
            'forbidden',
            'forbidden',
            `Changing a customer from ${from} to ${input.status} needs a manager or admin`,
          );
        case 'allowed':
          break;
      }
      current.status = input.status;
      current.updatedAt = now;
      const saved = await this.repository.save(manager, current);
      await this.repository.appendAudit(manager, [
        this.audit(
          principal,
          id,
          'status',
          id,
          'status_changed',
          { status: { before: from, after: input.status } },
          now,
          input.reason,
        ),
      ]);
      await this.events.publish(manager, {
        type: 'CustomerStatusChanged',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: id,
        metadata: {
          customer_number: saved.customerNumber,
          from_status: from,
          to_status: input.status,
          reason: input.reason,
        },
      });
      return { customer: saved, from };
    });
    this.metrics.statusChangedFrom(principal.companyId, from, customer.status);
    this.logOperation('customer.status_change', 'Customer status changed', principal, customer, started, {
      from_status: from,
      to_status: customer.status,
    });
    return customer;
  }

  /** Soft delete: hidden from lists and reads, restorable by an admin. */
  async softDelete(principal: Principal, id: string, reason: DeleteReason): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const customer = await this.repository.transaction(async (manager) => {
      const current = await this.lockOrNotFound(manager, principal, id);
      current.deletedAt = now;
      current.updatedAt = now;
      const saved = await this.repository.save(manager, current);
      await this.repository.appendAudit(manager, [
        this.audit(principal, id, 'customer', id, 'soft_deleted', {}, now, reason),
      ]);
      await this.publishDeleted(manager, principal, saved, 'soft', reason);
      return saved;
    });
    this.metrics.customerDeleted(principal.companyId, reason);
    this.logOperation('customer.delete', 'Customer deleted', principal, customer, started, {
      mode: 'soft',
      reason,
    });
  }

  async restore(principal: Principal, id: string): Promise<Customer> {
    const started = performance.now();
    const now = this.clock.now();
    const customer = await this.repository.transaction(async (manager) => {
      const current = await this.repository.lockById(manager, principal.companyId, id, true);
      if (!current || !current.deletedAt || current.anonymizedAt)
        throw DomainException.notFound('Deleted customer');
      current.deletedAt = null;
      current.updatedAt = now;
      const saved = await this.repository.save(manager, current);
      await this.repository.appendAudit(manager, [
        this.audit(principal, id, 'customer', id, 'restored', {}, now),
      ]);
      await this.events.publish(manager, {
        type: 'CustomerRestored',
        companyId: principal.companyId,
        userId: principal.userId,
        customerId: id,
        metadata: { customer_number: saved.customerNumber },
      });
      return saved;
    });
    this.logOperation('customer.restore', 'Customer restored', principal, customer, started);
    return customer;
  }

  /**
   * Hard delete (GDPR erasure). Without financial records the customer and its contacts and
   * communications are removed. With them (SOX) the rows stay and the personal data is erased in place,
   * in the audit history too.
   */
  async hardDelete(principal: Principal, id: string, reason: DeleteReason): Promise<'hard' | 'anonymized'> {
    const started = performance.now();
    const now = this.clock.now();
    const { customer, mode } = await this.repository.transaction(async (manager) => {
      const current = await this.repository.lockById(manager, principal.companyId, id, true);
      if (!current || current.anonymizedAt) throw DomainException.notFound('Customer');
      const keepRecords = await this.invoices.hasFinancialRecords(principal.companyId, id);
      await this.repository.redactAudit(manager, principal.companyId, id, PERSONAL_FIELDS);
      if (keepRecords) {
        Object.assign(current, {
          name: ERASED_NAME,
          email: null,
          phone: null,
          billingAddress: null,
          metadata: {},
          tags: [],
          deletedAt: current.deletedAt ?? now,
          anonymizedAt: now,
          updatedAt: now,
        });
        await this.repository.save(manager, current);
        await this.repository.deleteContacts(manager, id);
        await this.repository.redactCommunications(manager, id);
      } else {
        await this.repository.hardDelete(manager, id);
      }
      const mode = keepRecords ? 'anonymized' : 'hard';
      await this.repository.appendAudit(manager, [
        this.audit(
          principal,
          id,
          'customer',
          id,
          keepRecords ? 'anonymized' : 'hard_deleted',
          {},
          now,
          reason,
        ),
      ]);
      await this.publishDeleted(manager, principal, current, mode, reason);
      return { customer: current, mode } as const;
    });
    this.metrics.customerDeleted(principal.companyId, reason);
    this.logOperation('customer.delete', 'Customer erased', principal, customer, started, { mode, reason });
    return mode;
  }

  private async publishDeleted(
    manager: EntityManager,
    principal: Principal,
    customer: Customer,
    mode: 'soft' | 'hard' | 'anonymized',
    reason: DeleteReason,
  ): Promise<void> {
    await this.events.publish(manager, {
      type: 'CustomerDeleted',
      companyId: principal.companyId,
      userId: principal.userId,
      customerId: customer.id,
      metadata: { customer_number: customer.customerNumber, mode, reason },
    });
  }

  private async lockOrNotFound(manager: EntityManager, principal: Principal, id: string): Promise<Customer> {
    const customer = await this.repository.lockById(manager, principal.companyId, id);
    if (!customer) throw DomainException.notFound('Customer');
    return customer;
  }

  audit(
    principal: Principal,
    customerId: string,
    entityType: AuditEntry['entityType'],
    entityId: string,
    action: string,
    changes: AuditEntry['changes'],
    at: Date,
    reason?: string,
  ): AuditEntry {
    return {
      companyId: principal.companyId,
      customerId,
      entityType,
      entityId,
      action,
      actorUserId: principal.userId,
      changes,
      reason: reason ?? null,
      correlationId: requestScope.correlationId() ?? null,
      occurredAt: at,
    };
  }

  private logOperation(
    operation: string,
    message: string,
    principal: Principal,
    customer: Customer,
    started: number,
    extra: Record<string, unknown> = {},
  ): void {
    this.logger.info(
      {
        operation,
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customer.id,
        customer_number: customer.customerNumber,
        duration_ms: Math.round(performance.now() - started),
        ...extra,
      },
      message,
    );
  }
}

const dedupe = (tags: string[]): string[] => [...new Set(tags)];

function snapshot(customer: Customer): AuditEntry['changes'] {
  return Object.fromEntries(
    (Object.keys(UPDATABLE) as UpdatableField[]).map((field) => [
      field,
      { after: customer[UPDATABLE[field]] },
    ]),
  );
}

/** The fields `input` actually changes, with their before and after values. */
function diff(current: Customer, input: UpdateCustomerDto): AuditEntry['changes'] {
  const changes: AuditEntry['changes'] = {};
  for (const field of Object.keys(UPDATABLE) as UpdatableField[]) {
    if (!(field in input) || input[field] === undefined) continue;
    const before = current[UPDATABLE[field]] ?? null;
    const after = field === 'tags' ? dedupe(input.tags ?? []) : (input[field] ?? null);
    if (JSON.stringify(before) !== JSON.stringify(after)) changes[field] = { before, after };
  }
  return changes;
}
