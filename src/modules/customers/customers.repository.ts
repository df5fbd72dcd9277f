import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { KeysetPosition } from '../../platform/http/pagination';
import { CustomerCommunication } from './entities/customer-communication.entity';
import { CustomerContact } from './entities/customer-contact.entity';
import { Customer, CustomerStatus } from './entities/customer.entity';

export interface CustomerFilter {
  status?: CustomerStatus;
  tag?: string;
  createdFrom?: string;
  createdTo?: string;
  search?: string;
  includeDeleted?: boolean;
  onlyId?: string;
}

export interface AuditEntry {
  companyId: string;
  customerId: string;
  entityType: 'customer' | 'contact' | 'status';
  entityId: string;
  action: string;
  actorUserId: string | null;
  changes: Record<string, { before?: unknown; after?: unknown }>;
  reason?: string | null;
  correlationId: string | null;
  occurredAt: Date;
}

export interface AuditRow {
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  actor_user_id: string | null;
  changes: Record<string, { before?: unknown; after?: unknown }>;
  reason: string | null;
  correlation_id: string | null;
  occurred_at: Date;
}

/** Must match the expression of the customers_search_trgm index exactly, or the index is not used. */
const SEARCH_EXPRESSION = `lower(c.name || ' ' || coalesce(c.email::text, '') || ' ' || coalesce(c.phone, '') || ' ' || c.customer_number)`;
const UNIQUE_VIOLATION = '23505';

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** Every query of the customers module. */
@Injectable()
export class CustomersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectRepository(CustomerContact) private readonly contacts: Repository<CustomerContact>,
    @InjectRepository(CustomerCommunication)
    private readonly communications: Repository<CustomerCommunication>,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Reserves `count` customer numbers for a company and returns the first. It runs outside the
   * caller's transaction: the counter row is locked only for this statement, so concurrent creates do
   * not queue behind each other; a rolled-back create leaves a gap, never a duplicate.
   */
  async reserveCustomerNumbers(companyId: string, count = 1): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ last_value: string }>>(
      `INSERT INTO customer_number_counters (company_id, last_value) VALUES ($1, $2)
       ON CONFLICT (company_id) DO UPDATE SET last_value = customer_number_counters.last_value + $2
       RETURNING last_value`,
      [companyId, count],
    );
    return Number(row.last_value) - count + 1;
  }

  insert(manager: EntityManager, values: Partial<Customer>): Promise<Customer> {
    return manager.getRepository(Customer).save(manager.getRepository(Customer).create(values));
  }

  findById(companyId: string, id: string, includeDeleted = false): Promise<Customer | null> {
    const query = this.customers
      .createQueryBuilder('c')
      .where('c.company_id = :companyId AND c.id = :id', { companyId, id });
    if (!includeDeleted) query.andWhere('c.deleted_at IS NULL');
    return query.getOne();
  }

  /** Locks the customer row for the rest of the transaction (status changes, updates, deletes). */
  lockById(
    manager: EntityManager,
    companyId: string,
    id: string,
    includeDeleted = false,
  ): Promise<Customer | null> {
    const query = manager
      .getRepository(Customer)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.company_id = :companyId AND c.id = :id', { companyId, id });
    if (!includeDeleted) query.andWhere('c.deleted_at IS NULL');
    return query.getOne();
  }

  save(manager: EntityManager, customer: Customer): Promise<Customer> {
    return manager.getRepository(Customer).save(customer);
  }

  async hardDelete(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(Customer).delete({ id });
  }

  /** Newest first, keyset-paginated; `limit + 1` rows so the caller knows whether a next page exists. */
  list(
    companyId: string,
    filter: CustomerFilter,
    limit: number,
    after?: KeysetPosition,
  ): Promise<Customer[]> {
    const query = this.customers.createQueryBuilder('c').where('c.company_id = :companyId', { companyId });
    if (!filter.includeDeleted) query.andWhere('c.deleted_at IS NULL');
    if (filter.onlyId) query.andWhere('c.id = :onlyId', { onlyId: filter.onlyId });
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.tag) query.andWhere('c.tags @> ARRAY[:tag]::text[]', { tag: filter.tag });
    if (filter.createdFrom)
      query.andWhere('c.created_at >= :createdFrom', { createdFrom: filter.createdFrom });
    if (filter.createdTo) query.andWhere('c.created_at < :createdTo', { createdTo: filter.createdTo });
    if (filter.search) {
      query.andWhere(`${SEARCH_EXPRESSION} LIKE :pattern`, {
        pattern: `%${escapeLike(filter.search.toLowerCase())}%`,
      });
    }
    if (after) query.andWhere('(c.created_at, c.id) < (:at, :afterId)', { at: after.at, afterId: after.id });
    return query
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  async hasPrimaryContact(manager: EntityManager, customerId: string): Promise<boolean> {
    return manager.getRepository(CustomerContact).exists({ where: { customerId, isPrimary: true } });
  }

  /** Inserts a contact; returns 'primary_taken' when the database refuses a second primary contact. */
  async insertContact(
    manager: EntityManager,
    values: Partial<CustomerContact>,
  ): Promise<CustomerContact | 'primary_taken'> {
    try {
      await manager.query('SAVEPOINT contact_insert');
      const saved = await manager
        .getRepository(CustomerContact)
        .save(manager.getRepository(CustomerContact).create(values));
      await manager.query('RELEASE SAVEPOINT contact_insert');
      return saved;
    } catch (error) {
      const pgError = error as {
        code?: string;
        constraint?: string;
        driverError?: { code?: string; constraint?: string };
      };
      const code = pgError.driverError?.code ?? pgError.code;
      const constraint = pgError.driverError?.constraint ?? pgError.constraint;
      if (code === UNIQUE_VIOLATION && constraint === 'customer_contacts_one_primary') {
        await manager.query('ROLLBACK TO SAVEPOINT contact_insert');
        return 'primary_taken';
      }
      throw error;
    }
  }

  listContacts(companyId: string, customerId: string): Promise<CustomerContact[]> {
    return this.contacts.find({
      where: { companyId, customerId },
      order: { isPrimary: 'DESC', createdAt: 'ASC' },
      take: 500,
    });
  }

  async deleteContacts(manager: EntityManager, customerId: string): Promise<number> {
    const result = await manager.getRepository(CustomerContact).delete({ customerId });
    return result.affected ?? 0;
  }

  insertCommunication(
    manager: EntityManager,
    values: Partial<CustomerCommunication>,
  ): Promise<CustomerCommunication> {
    const repository = manager.getRepository(CustomerCommunication);
    return repository.save(repository.create(values));
  }

  listCommunications(
    companyId: string,
    customerId: string,
    limit: number,
    after?: KeysetPosition,
  ): Promise<CustomerCommunication[]> {
    const query = this.communications
      .createQueryBuilder('m')
      .where('m.company_id = :companyId AND m.customer_id = :customerId', { companyId, customerId });
    if (after) query.andWhere('(m.occurred_at, m.id) < (:at, :afterId)', { at: after.at, afterId: after.id });
    return query
      .orderBy('m.occurred_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  /** Erasure: communication content may name the person; the entry itself stays as a record of contact. */
  async redactCommunications(manager: EntityManager, customerId: string): Promise<void> {
    await manager
      .getRepository(CustomerCommunication)
      .update({ customerId }, { subject: null, body: '[erased]' });
  }

  async appendAudit(manager: EntityManager, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO customer_audit_log
         (company_id, customer_id, entity_type, entity_id, action, actor_user_id, changes, reason, correlation_id, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::timestamptz[])`,
      [
        entries.map((e) => e.companyId),
        entries.map((e) => e.customerId),
        entries.map((e) => e.entityType),
        entries.map((e) => e.entityId),
        entries.map((e) => e.action),
        entries.map((e) => e.actorUserId),
        entries.map((e) => JSON.stringify(e.changes)),
        entries.map((e) => e.reason ?? null),
        entries.map((e) => e.correlationId),
        entries.map((e) => e.occurredAt.toISOString()),
      ],
    );
  }

  listAudit(
    companyId: string,
    customerId: string,
    limit: number,
    after?: { at: string; id: string },
  ): Promise<AuditRow[]> {
    const params: unknown[] = [companyId, customerId, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = 'AND (occurred_at, id) < ($4, $5::bigint)';
    }
    return this.dataSource.query<AuditRow[]>(
      `SELECT id::text AS id, entity_type, entity_id, action, actor_user_id, changes, reason, correlation_id, occurred_at
         FROM customer_audit_log
        WHERE company_id = $1 AND customer_id = $2 ${keyset}
        ORDER BY occurred_at DESC, id DESC
        LIMIT $3`,
      params,
    );
  }

  /** Creates the audit log's monthly partitions from this month to `monthsAhead` months ahead. */
  async ensureAuditPartitions(monthsAhead: number): Promise<void> {
    await this.dataSource.query('SELECT ensure_customer_audit_partitions($1)', [monthsAhead]);
  }

  /** GDPR erasure: blanks personal fields in the customer's audit history (the only edit it allows). */
  async redactAudit(
    manager: EntityManager,
    companyId: string,
    customerId: string,
    fields: string[],
  ): Promise<void> {
    await manager.query(`SET LOCAL custops.audit_redaction = 'on'`);
    await manager.query(
      `UPDATE customer_audit_log
          SET changes = (
            SELECT coalesce(jsonb_object_agg(key, CASE WHEN key = ANY($3::text[])
                                                        THEN '{"before":"[erased]","after":"[erased]"}'::jsonb
                                                        ELSE value END), '{}'::jsonb)
              FROM jsonb_each(changes))
        WHERE company_id = $1 AND customer_id = $2 AND changes ?| $3::text[]`,
      [companyId, customerId, fields],
    );
    await manager.query(`SET LOCAL custops.audit_redaction = 'off'`);
  }
}
