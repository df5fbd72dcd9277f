import { Module } from '@nestjs/common';
import { AgingModule } from './aging/aging.module';
import { CreditModule } from './credit/credit.module';
import { CreditService } from './credit/credit.service';
import { DunningModule } from './dunning/dunning.module';
import { CREDIT_SERVICE, InvoicesService } from './invoices.service';
import { LedgerModule } from './ledger/ledger.module';

@Module({
  imports: [DunningModule, AgingModule, LedgerModule, CreditModule],
  // CreditService is part of the module's public API, under a token (see CREDIT_SERVICE).
  providers: [InvoicesService, { provide: CREDIT_SERVICE, useExisting: CreditService }],
  exports: [InvoicesService, CREDIT_SERVICE],
})
export class InvoicesModule {}
