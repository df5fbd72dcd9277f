import { Module } from '@nestjs/common';

/** Payment intents, the gateway adapter, callbacks and reconciliation (issue 9). In progress. */
@Module({})
export class PaymentsModule {}
