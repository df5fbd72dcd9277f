import { Module } from '@nestjs/common';
import { BankAccountsModule } from '../bank-accounts/bank-accounts.module';
import { CustomersModule } from '../customers/customers.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { JourneysModule } from '../journeys/journeys.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PaymentsModule } from '../payments/payments.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TicketsModule } from '../tickets/tickets.module';
import { ConsoleCustomerService } from './console-customer.service';
import { ConsoleSearchService } from './console-search.service';
import { ConsoleStuckService } from './console-stuck.service';
import { ConsoleController } from './console.controller';

/**
 * The support console's API (issue 13, docs/console.md): a read model over the other modules, through
 * their exported services only. It owns no table and writes nothing; the page's actions call the owning
 * modules' routes. The page itself is served by console-static.ts.
 */
@Module({
  imports: [
    CustomersModule,
    InvoicesModule,
    JourneysModule,
    TicketsModule,
    PaymentsModule,
    SessionsModule,
    NotificationsModule,
    BankAccountsModule,
  ],
  controllers: [ConsoleController],
  providers: [ConsoleSearchService, ConsoleCustomerService, ConsoleStuckService],
})
export class ConsoleModule {}
