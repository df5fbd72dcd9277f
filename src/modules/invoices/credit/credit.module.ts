import { Module } from '@nestjs/common';
import { CreditController, CustomerCreditController } from './credit.controller';
import { CreditMetrics } from './credit.metrics';
import { CreditRepository } from './credit.repository';
import { CreditService } from './credit.service';
import { CreditUtilisationTask } from './credit-utilisation.task';
import { CustomerDirectory } from './customer-directory';

/**
 * Credit control (issue 7), part of the invoices module: limits through approved adjustment requests,
 * exposure checks under the customer's lock, breaches, utilisation (live and nightly) and seed 002's
 * credit metrics. Exports the exposure check the ledger runs when it issues an invoice.
 */
@Module({
  controllers: [CustomerCreditController, CreditController],
  providers: [CreditService, CreditRepository, CreditMetrics, CreditUtilisationTask, CustomerDirectory],
  exports: [CreditService, CustomerDirectory],
})
export class CreditModule {}
