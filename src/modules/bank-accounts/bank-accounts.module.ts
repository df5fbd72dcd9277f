import { Module } from '@nestjs/common';

/** Bank-account setup, seed 000's journey (issue 9). In progress. */
@Module({})
export class BankAccountsModule {}
