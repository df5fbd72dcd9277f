import { Module } from '@nestjs/common';
import { CreditModule } from '../credit/credit.module';
import { AllocatePayment } from './allocate-payment';
import { InvoiceLedgerService } from './invoice-ledger.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';

/**
 * The invoice ledger (issue 7), part of the invoices module: drafts, issue (with the credit check),
 * void, allocations. Exports the allocation use case behind InvoicesService.allocate.
 */
@Module({
  imports: [CreditModule],
  controllers: [InvoicesController],
  providers: [InvoiceLedgerService, InvoicesRepository, AllocatePayment],
  exports: [AllocatePayment],
})
export class LedgerModule {}
