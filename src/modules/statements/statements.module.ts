import { Module } from '@nestjs/common';
import { StorageModule } from '../../platform/storage/storage.module';
import { CompaniesModule } from '../companies/companies.module';
import { CustomersModule } from '../customers/customers.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { StatementGenerator } from './statement-generator';
import { CustomerStatementsController, StatementsController } from './statements.controller';
import { StatementsMetrics } from './statements.metrics';
import { StatementsMonthly } from './statements-monthly';
import { StatementsRepository } from './statements.repository';
import { StatementsService } from './statements.service';

/**
 * Customer statements (issue 8): PDF or CSV documents of a customer's account over a period, made by a
 * worker, stored in object storage, downloaded or emailed (through notifications); and the monthly run.
 * Reads the ledger through InvoicesService only.
 */
@Module({
  imports: [CustomersModule, CompaniesModule, InvoicesModule, NotificationsModule, StorageModule],
  controllers: [CustomerStatementsController, StatementsController],
  providers: [
    StatementsService,
    StatementsRepository,
    StatementGenerator,
    StatementsMetrics,
    StatementsMonthly,
  ],
  exports: [StatementsService],
})
export class StatementsModule {}
