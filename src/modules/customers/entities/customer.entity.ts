import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const CUSTOMER_STATUSES = ['active', 'inactive', 'blocked'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
export const CUSTOMER_SOURCES = ['web_ui', 'cli', 'api', 'import'] as const;
export type CustomerSource = (typeof CUSTOMER_SOURCES)[number];

export interface BillingAddress {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postal_code?: string;
  country: string;
}

@Entity({ name: 'customers' })
@Unique('customers_company_number_unique', ['companyId', 'customerNumber'])
@Check('customers_status_check', `status IN ('active', 'inactive', 'blocked')`)
@Check('customers_source_check', `source IN ('web_ui', 'cli', 'api', 'import')`)
// Partial, descending, GIN and expression indexes are written by hand in the migration.
@Index('customers_company_created', { synchronize: false })
@Index('customers_company_status_created', { synchronize: false })
@Index('customers_company_tags', { synchronize: false })
@Index('customers_search_trgm', { synchronize: false })
@Index('customers_company_email', { synchronize: false })
@Index('customers_company_external_id', { synchronize: false })
@Index('customers_company_phone_digits', { synchronize: false })
export class Customer {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'company_id' })
  companyId!: string;

  @Column('text', { name: 'customer_number' })
  customerNumber!: string;

  /** The customer's id in the company's other systems (CRM, ERP): unique per company, imports upsert by it. */
  @Column('text', { name: 'external_id', nullable: true })
  externalId!: string | null;

  @Column('text')
  name!: string;

  @Column('citext', { nullable: true })
  email!: string | null;

  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('character', { length: 3 })
  currency!: string;

  @Column('jsonb', { name: 'billing_address', nullable: true })
  billingAddress!: BillingAddress | null;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  @Column('jsonb', { default: {} })
  metadata!: Record<string, unknown>;

  @Column('text', { default: 'active' })
  status!: CustomerStatus;

  @Column('text')
  source!: CustomerSource;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  @Column('timestamptz', { name: 'anonymized_at', nullable: true })
  anonymizedAt!: Date | null;
}
