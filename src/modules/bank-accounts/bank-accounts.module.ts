import { Module } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config';
import { CustomersModule } from '../customers/customers.module';
import { JourneysModule } from '../journeys/journeys.module';
import { AccountNumberCipher } from './account-number-cipher';
import { BankAccountRequestsController, CustomerBankAccountsController } from './bank-accounts.controller';
import { BankAccountsMetrics } from './bank-accounts.metrics';
import { BankAccountsRepository } from './bank-accounts.repository';
import { BankAccountsService } from './bank-accounts.service';
import { BankAccountsSettings } from './bank-accounts.settings';
import { BankValidationAdapter, HttpBankValidationAdapter } from './bank-validation.adapter';
import { BankAccountSetupProcessor } from './processors/bank-account-setup.processor';

/**
 * Bank-account setup, seed 000's journey (issue 9): a request is stored (numbers encrypted at rest)
 * and queued; the `bank-accounts.setup` worker validates it, asks the external validation service,
 * creates the account, and records every stage through JourneysService. See docs/bank-accounts.md.
 */
@Module({
  imports: [CustomersModule, JourneysModule],
  controllers: [CustomerBankAccountsController, BankAccountRequestsController],
  providers: [
    BankAccountsService,
    BankAccountsRepository,
    BankAccountsMetrics,
    BankAccountsSettings,
    BankAccountSetupProcessor,
    { provide: BankValidationAdapter, useClass: HttpBankValidationAdapter },
    {
      provide: AccountNumberCipher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new AccountNumberCipher(config.BANK_ACCOUNT_ENCRYPTION_KEY),
    },
  ],
  exports: [BankAccountsService],
})
export class BankAccountsModule {}
