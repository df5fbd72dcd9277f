import { Module } from '@nestjs/common';
import { AgingModule } from './aging/aging.module';
import { CreditModule } from './credit/credit.module';
import { DunningModule } from './dunning/dunning.module';
import { InvoicesService } from './invoices.service';
import { LedgerModule } from './ledger/ledger.module';

@Module({
  imports: [DunningModule, AgingModule, LedgerModule, CreditModule],
  providers: [InvoicesService],
  exports: [InvoicesService],
})
export class InvoicesModule {}
