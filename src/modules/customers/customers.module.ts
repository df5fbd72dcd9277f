import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InvoicesModule } from '../invoices/invoices.module';
import { AuditPartitions } from './audit-partitions';
import { CustomerRecordsController } from './customer-records.controller';
import { CustomerRecordsService } from './customer-records.service';
import { CustomersController } from './customers.controller';
import { CustomersMetrics } from './customers.metrics';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { CustomerCommunication } from './entities/customer-communication.entity';
import { CustomerContact } from './entities/customer-contact.entity';
import { Customer } from './entities/customer.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, CustomerContact, CustomerCommunication]), InvoicesModule],
  controllers: [CustomersController, CustomerRecordsController],
  providers: [
    CustomersService,
    CustomerRecordsService,
    CustomersRepository,
    CustomersMetrics,
    AuditPartitions,
  ],
  exports: [CustomersService],
})
export class CustomersModule {}
