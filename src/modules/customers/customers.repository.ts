import { DomainException } from '../../platform/http/domain-exception';
import { violatedUniqueConstraint } from '../../platform/database/rows';
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

export type NewCustomer = Omit<Customer, 'id' | 'updatedAt' | 'deletedAt' | 'anonymizedAt'>;

export interface AuditEntry {
  companyId: string;
  customerId: string;
  entityType: 'customer' | 'contact' | 'status' | 'bank_account_request';
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

/** Must match the expression of the customers_company_phone_digits index exactly (migration 1763800026000). */
const PHONE_DIGITS_REVERSED = `reverse(regexp_replace(c.phone, '[^0-9]', '', 'g'))`;

/** What the support console searches customers by; each given term is one branch of the search. */
export interface SupportSearchTerms {
  /** A whole customer number (`CUST-000042`). */
  customerNumber?: string;
  /** A whole email address. */
  email?: string;
  /** The phone's national significant digits: phones whose digits end with them match. */
  phoneDigits?: string;
  /** Part of the name, email, phone or number. */
  text?: string;
}

export interface SupportCardRow {
  id: string;
  customer_number: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
}

export interface SupportHitRow extends SupportCardRow {
  matched_by: 'customer_number' | 'name' | 'email' | 'phone';
}

/** Must match the expression of the customers_search_trgm index exactly, or the index is not used. */
const SEARCH_EXPRESSION = `lower(c.name || ' ' || coalesce(c.email::text, '') || ' ' || coalesce(c.phone, '') || ' ' || c.customer_number)`;

/** A second customer with the same external id is a 409, not a 500. */
async function externalIdMustBeFree<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (violatedUniqueConstraint(error) === 'customers_company_external_id') {
      throw new DomainException(
        'conflict',
        'external-id-taken',
        'Another customer already has this external_id',
        [{ field: 'external_id', message: 'must be unique within the company' }],
      );
    }
    throw error;
  }
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

const CUSTOMER_COLUMNS = `c.id, c.company_id, c.customer_number, c.external_id, c.name, c.email, c.phone, c.currency, c.billing_address,
  c.tags, c.metadata, c.status, c.source, c.created_at, c.updated_at, c.deleted_at, c.anonymized_at`;

interface CustomerRow {
  id: string;
  company_id: string;
  customer_number: string;
  external_id: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  currency: string;
  billing_address: Customer['billingAddress'];
  tags: string[];
  metadata: Record<string, unknown>;
  status: Customer['status'];
  source: Customer['source'];
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  anonymized_at: Date | null;
}

function toCustomer(row: CustomerRow): Customer {
  return Object.assign(new Customer(), {
    id: row.id,
    companyId: row.company_id,
    customerNumber: row.customer_number,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    currency: row.currency,
    billingAddress: row.billing_address,
    tags: row.tags,
    metadata: row.metadata,
    status: row.status,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    anonymizedAt: row.anonymized_at,
  });
}

/**
 * The WHERE conditions of a customer filter (lists and exports share them). `bind` turns a value into
 * SQL: a `$n` placeholder for queries, an escaped literal for COPY, which takes no parameters.
 */
export function customerFilterSql(
  companyId: string,
  filter: CustomerFilter,
  bind: (value: string) => string,
): string[] {
  const where = [`c.company_id = ${bind(companyId)}`];
  if (!filter.includeDeleted) where.push('c.deleted_at IS NULL');
  if (filter.onlyId) where.push(`c.id = ${bind(filter.onlyId)}`);
  if (filter.status) where.push(`c.status = ${bind(filter.status)}`);
  if (filter.tag) where.push(`c.tags @> ARRAY[${bind(filter.tag)}]::text[]`);
  if (filter.createdFrom) where.push(`c.created_at >= ${bind(filter.createdFrom)}::timestamptz`);
  if (filter.createdTo) where.push(`c.created_at < ${bind(filter.createdTo)}::timestamptz`);
  if (filter.search)
    where.push(`${SEARCH_EXPRESSION} LIKE ${bind(`%${escapeLike(filter.search.toLowerCase())}%`)}`);
  return where;
}

/** Every query of the customers module. */
@Injectable()
export class CustomersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(CustomerContact) private readonly contacts: Repository<CustomerContact>,
    @InjectRepository(CustomerCommunication)
    private readonly communications: Repository<CustomerCommunication>,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Reserves `count` customer numbers for a company and returns the first. It runs in its own short
   * transaction: the counter row is locked only for this statement, so concurrent creates do not queue
   * behind each other; a rolled-back create leaves a gap, never a duplicate. Its commit need not wait
   * for the disk (synchronous_commit off): WAL is flushed in order, so any durably committed customer
   * implies its counter bump is durable too, and a create costs one fsync instead of two.
   */
  reserveCustomerNumbers(companyId: string, count = 1): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL synchronous_commit TO off');
      const [row] = await manager.query<Array<{ last_value: string }>>(
        `INSERT INTO customer_number_counters (company_id, last_value) VALUES ($1, $2)
         ON CONFLICT (company_id) DO UPDATE SET last_value = customer_number_counters.last_value + $2
         RETURNING last_value`,
        [companyId, count],
      );
      return Number(row.last_value) - count + 1;
    });
  }

  async insert(manager: EntityManager, values: NewCustomer): Promise<Customer> {
    const [row] = await externalIdMustBeFree(
      manager.query<CustomerRow[]>(
        `INSERT INTO customers AS c (company_id, customer_number, name, email, phone, currency, billing_address, tags,
                                   metadata, status, source, created_at, updated_at, external_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
       RETURNING ${CUSTOMER_COLUMNS}`,
        [
          values.companyId,
          values.customerNumber,
          values.name,
          values.email,
          values.phone,
          values.currency,
          values.billingAddress === null ? null : JSON.stringify(values.billingAddress),
          values.tags,
          JSON.stringify(values.metadata),
          values.status,
          values.source,
          values.createdAt,
          values.externalId,
        ],
      ),
    );
    return toCustomer(row);
  }

  async findById(companyId: string, id: string, includeDeleted = false): Promise<Customer | null> {
    const [row] = await this.dataSource.query<CustomerRow[]>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers c
        WHERE c.company_id = $1 AND c.id = $2 ${includeDeleted ? '' : 'AND c.deleted_at IS NULL'}`,
      [companyId, id],
    );
    return row ? toCustomer(row) : null;
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
    return externalIdMustBeFree(manager.getRepository(Customer).save(customer));
  }

  async hardDelete(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(Customer).delete({ id });
  }

  /**
   * Newest first, keyset-paginated; `limit + 1` rows so the caller knows whether a next page exists.
   * Hand-written SQL: the hot read path, where TypeORM's entity hydration cost more than the query.
   */
  async list(
    companyId: string,
    filter: CustomerFilter,
    limit: number,
    after?: KeysetPosition,
  ): Promise<Customer[]> {
    const params: unknown[] = [];
    const where = customerFilterSql(companyId, filter, (value) => {
      params.push(value);
      return `$${params.length}`;
    });
    if (after) {
      params.push(after.at, after.id);
      where.push(`(c.created_at, c.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<CustomerRow[]>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE ${where.join(' AND ')}
        ORDER BY c.created_at DESC, c.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toCustomer);
  }

  async activeIdsWithAnyTag(companyId: string, tags: string[]): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT c.id FROM customers c
        WHERE c.company_id = $1 AND c.tags && $2::text[] AND c.status = 'active'
          AND c.deleted_at IS NULL AND c.anonymized_at IS NULL
        ORDER BY c.id`,
      [companyId, tags],
    );
    return rows.map((row) => row.id);
  }

  async liveIds(companyId: string, ids: string[]): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT c.id FROM customers c
        WHERE c.company_id = $1 AND c.id = ANY($2::uuid[]) AND c.deleted_at IS NULL AND c.anonymized_at IS NULL
        ORDER BY c.id`,
      [companyId, ids],
    );
    return rows.map((row) => row.id);
  }

  /** Display fields of live customers (not deleted or erased) among `ids`, for the support console. */
  supportCards(companyId: string, ids: string[]): Promise<SupportCardRow[]> {
    return this.dataSource.query<SupportCardRow[]>(
      `SELECT c.id, c.customer_number, c.name, c.email::text AS email, c.phone, c.status
         FROM customers c
        WHERE c.company_id = $1 AND c.id = ANY($2::uuid[]) AND c.deleted_at IS NULL AND c.anonymized_at IS NULL`,
      [companyId, ids],
    );
  }

  /**
   * The support console's customer search, one statement: a branch per kind of term given, each on its
   * own index (the number's unique key, the email index, the phone-digits index, the trigram index), the
   * best match per customer kept. Exact matches rank first (number, email, phone), then text matches by
   * trigram similarity of the name.
   */
  async supportSearch(companyId: string, terms: SupportSearchTerms, limit: number): Promise<SupportHitRow[]> {
    const params: unknown[] = [companyId];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const live = 'c.company_id = $1 AND c.deleted_at IS NULL AND c.anonymized_at IS NULL';
    const branches: string[] = [];
    if (terms.customerNumber !== undefined) {
      branches.push(`SELECT c.id, 1 AS rank, 'customer_number' AS matched_by, 1::real AS score
         FROM customers c WHERE ${live} AND c.customer_number = ${bind(terms.customerNumber)}`);
    }
    if (terms.email !== undefined) {
      branches.push(`SELECT c.id, 2, 'email', 1::real
         FROM customers c WHERE ${live} AND c.email = ${bind(terms.email)}::citext`);
    }
    if (terms.phoneDigits !== undefined) {
      const reversed = [...terms.phoneDigits].reverse().join('');
      branches.push(`SELECT c.id, 3, 'phone', 1::real
         FROM customers c WHERE ${live} AND c.phone IS NOT NULL
          AND ${PHONE_DIGITS_REVERSED} LIKE ${bind(`${reversed}%`)}`);
    }
    if (terms.text !== undefined) {
      const text = terms.text.toLowerCase();
      const pattern = bind(`%${escapeLike(text)}%`);
      const plain = bind(text);
      // The trigram expression finds the rows; the CASE says which field matched.
      branches.push(`SELECT * FROM (
           SELECT c.id, 4 AS rank,
                  CASE WHEN lower(c.name) LIKE ${pattern} THEN 'name'
                       WHEN lower(c.customer_number) LIKE ${pattern} THEN 'customer_number'
                       WHEN lower(coalesce(c.email::text, '')) LIKE ${pattern} THEN 'email'
                       ELSE 'phone' END AS matched_by,
                  similarity(lower(c.name), ${plain}) AS score
             FROM customers c WHERE ${live} AND ${SEARCH_EXPRESSION} LIKE ${pattern}
            ORDER BY score DESC, c.id LIMIT ${bind(limit)}
         ) text_hits`);
    }
    if (branches.length === 0) return [];
    return this.dataSource.query<SupportHitRow[]>(
      `WITH hits (id, rank, matched_by, score) AS (${branches.join(' UNION ALL ')}),
            best AS (SELECT DISTINCT ON (id) id, rank, matched_by, score FROM hits ORDER BY id, rank, score DESC)
       SELECT c.id, c.customer_number, c.name, c.email::text AS email, c.phone, c.status, b.matched_by
         FROM best b JOIN customers c ON c.id = b.id
        ORDER BY b.rank, b.score DESC, c.name, c.id
        LIMIT ${bind(limit)}`,
      params,
    );
  }

  /**
   * Customers created in [from, to) per UTC hour, day, ISO week (Monday) or month, keyed by the
   * interval's aligned start; deleted and erased customers count too (they did register). Intervals
   * without a registration are left out.
   */
  async registrationCounts(
    companyId: string,
    from: Date,
    to: Date,
    interval: 'hour' | 'day' | 'week' | 'month',
  ): Promise<Array<{ start: Date; count: number }>> {
    return this.dataSource.query<Array<{ start: Date; count: number }>>(
      `SELECT date_trunc($4, c.created_at, 'UTC') AS start, count(*)::int AS count
         FROM customers c
        WHERE c.company_id = $1 AND c.created_at >= $2 AND c.created_at < $3
        GROUP BY 1
        ORDER BY 1`,
      [companyId, from, to, interval],
    );
  }

  primaryContact(companyId: string, customerId: string): Promise<CustomerContact | null> {
    return this.contacts.findOne({ where: { companyId, customerId, isPrimary: true } });
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
      if (violatedUniqueConstraint(error) === 'customer_contacts_one_primary') {
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
