import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';

export const CONTACT_TYPES = ['billing', 'technical', 'primary', 'other'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

@Entity({ name: 'customer_contacts' })
@Check('customer_contacts_type_check', `contact_type IN ('billing', 'technical', 'primary', 'other')`)
@Index('customer_contacts_company_customer', ['companyId', 'customerId', 'createdAt'])
@Index('customer_contacts_one_primary', { synchronize: false })
export class CustomerContact {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'company_id' })
  companyId!: string;

  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'customer_contacts_customer_id_fkey' })
  customer?: Customer;

  @Column('text')
  name!: string;

  @Column('citext', { nullable: true })
  email!: string | null;

  @Column('text', { nullable: true })
  phone!: string | null;

  @Column('text', { name: 'contact_type' })
  contactType!: ContactType;

  @Column('boolean', { name: 'is_primary', default: false })
  isPrimary!: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
