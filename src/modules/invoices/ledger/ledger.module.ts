import { Module } from '@nestjs/common';
import { CreditModule } from '../credit/credit.module';
import { AllocatePayment } from './allocate-payment';
import { InvoiceLedgerService } from './invoice-ledger.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { StatementLedger } from './statement-ledger';

/**
 * The invoice ledger (issue 7), part of the invoices module: drafts, issue (with the credit check),
 * void, allocations. Exports the allocation use case behind InvoicesService.allocate and the statement
 * ledger behind InvoicesService.statementLedger.
 */
@Module({
  imports: [CreditModule],
  controllers: [InvoicesController],
  providers: [InvoiceLedgerService, InvoicesRepository, AllocatePayment, StatementLedger],
  exports: [AllocatePayment, StatementLedger],
})
export class LedgerModule {}
