import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** The invoices ledger (receivables build on it). Money in minor units with its ISO 4217 currency. */
@Entity({ name: 'invoices' })
@Unique('invoices_company_number_unique', ['companyId', 'invoiceNumber'])
@Index('invoices_company_customer', ['companyId', 'customerId', 'issuedAt'])
export class Invoice {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'company_id' })
  companyId!: string;

  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @Column('text', { name: 'invoice_number' })
  invoiceNumber!: string;

  @Column('character', { length: 3 })
  currency!: string;

  @Column('bigint', { name: 'total_minor' })
  totalMinor!: string;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'due_at' })
  dueAt!: Date;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;
}
