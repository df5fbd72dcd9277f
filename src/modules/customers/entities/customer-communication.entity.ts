import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';

export const CHANNELS = ['email', 'phone', 'meeting', 'note'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

@Entity({ name: 'customer_communications' })
@Check('customer_communications_channel_check', `channel IN ('email', 'phone', 'meeting', 'note')`)
@Check('customer_communications_direction_check', `direction IN ('inbound', 'outbound')`)
@Index('customer_communications_timeline', { synchronize: false })
export class CustomerCommunication {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'company_id' })
  companyId!: string;

  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'customer_communications_customer_id_fkey' })
  customer?: Customer;

  @Column('text')
  channel!: Channel;

  @Column('text')
  direction!: Direction;

  @Column('text', { nullable: true })
  subject!: string | null;

  @Column('text')
  body!: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;
}
