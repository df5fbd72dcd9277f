import { Module } from '@nestjs/common';
import { DunningController } from './dunning.controller';
import { DunningRepository } from './dunning.repository';
import { DunningScanner } from './dunning-scanner';
import { DunningService } from './dunning.service';

/**
 * Payment reminders (dunning), part of the invoices module. The scan publishes InvoiceReminderSent;
 * sending is the notifications module's (NotificationTriggers), because importing NotificationsModule
 * here would close the cycle NotificationsModule → CustomersModule → InvoicesModule.
 */
@Module({
  controllers: [DunningController],
  providers: [DunningService, DunningRepository, DunningScanner],
})
export class DunningModule {}
