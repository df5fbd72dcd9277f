import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageModule } from '../../platform/storage/storage.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { AuditPartitions } from './audit-partitions';
import { CustomerFilesMetrics } from './customer-files.metrics';
import { CustomerExportsController } from './exports/customer-exports.controller';
import { CustomerExportsRepository } from './exports/customer-exports.repository';
import { CustomerExportsService } from './exports/customer-exports.service';
import { CustomerImportProcessor } from './imports/customer-import.processor';
import { CustomerImportsController } from './imports/customer-imports.controller';
import { CustomerImportsRepository } from './imports/customer-imports.repository';
import { CustomerImportsService } from './imports/customer-imports.service';
import { CustomerRecordsController } from './customer-records.controller';
import { CustomerRecordsService } from './customer-records.service';
import { CustomersController } from './customers.controller';
import { CustomerRequestMetrics, CustomersMetrics } from './customers.metrics';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { CustomerCommunication } from './entities/customer-communication.entity';
import { CustomerContact } from './entities/customer-contact.entity';
import { Customer } from './entities/customer.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([Customer, CustomerContact, CustomerCommunication]),
    InvoicesModule,
    StorageModule,
  ],
  controllers: [
    CustomerImportsController,
    CustomerExportsController,
    CustomersController,
    CustomerRecordsController,
  ],
  providers: [
    CustomersService,
    CustomerRecordsService,
    CustomersRepository,
    CustomersMetrics,
    CustomerRequestMetrics,
    AuditPartitions,
    CustomerFilesMetrics,
    CustomerImportsService,
    CustomerImportsRepository,
    CustomerImportProcessor,
    CustomerExportsService,
    CustomerExportsRepository,
  ],
  exports: [CustomersService],
})
export class CustomersModule {}
