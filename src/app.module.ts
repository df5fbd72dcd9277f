import { DynamicModule, Module, Type } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { BankAccountsModule } from './modules/bank-accounts/bank-accounts.module';
import { CompaniesModule } from './modules/companies/companies.module';
import { ConsoleModule } from './modules/console/console.module';
import { CustomersModule } from './modules/customers/customers.module';
import { InvoicesModule } from './modules/invoices/invoices.module';
import { JourneysModule } from './modules/journeys/journeys.module';
import { KnowledgeModule } from './modules/knowledge/knowledge.module';
import { MaintenanceModule } from './modules/maintenance/maintenance.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { PaymentsModule } from './modules/payments/payments.module';
import { SessionsModule } from './modules/sessions/sessions.module';
import { StaffModule } from './modules/staff/staff.module';
import { StatementsModule } from './modules/statements/statements.module';
import { TicketsModule } from './modules/tickets/tickets.module';
import type { Clock } from './platform/clock/clock';
import { CacheModule } from './platform/cache/cache.module';
import { ClockModule } from './platform/clock/clock.module';
import { AppConfig } from './platform/config/app-config';
import { ConfigModule } from './platform/config/config.module';
import { DatabaseModule } from './platform/database/database.module';
import { EventsModule } from './platform/events/events.module';
import { HealthModule } from './platform/health/health.module';
import { HttpModule } from './platform/http/http.module';
import { LoggingModule } from './platform/logging/logging.module';
import { MetricsModule } from './platform/metrics/metrics.module';
import { QueueModule } from './platform/queue/queue.module';
import { SchedulingModule } from './platform/scheduling/scheduling.module';

/** The domain modules, in one list. */
export const DOMAIN_MODULES: Type[] = [
  CompaniesModule,
  InvoicesModule,
  CustomersModule,
  StaffModule,
  NotificationsModule,
  TicketsModule,
  KnowledgeModule,
  MaintenanceModule,
  StatementsModule,
  JourneysModule,
  PaymentsModule,
  BankAccountsModule,
  SessionsModule,
  ConsoleModule,
];

export interface AppModuleOptions {
  config: AppConfig;
  /** Where log lines go (tests read them); stdout when absent. */
  logStream?: DestinationStream;
  /** Extra modules (test fixtures). */
  extraModules?: Array<Type | DynamicModule>;
  /** Where time comes from; the system clock when absent (tests pass a manual one). */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot({ config, logStream, extraModules = [], clock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logStream),
        ClockModule.forRoot(clock),
        DatabaseModule,
        MetricsModule,
        QueueModule,
        CacheModule,
        SchedulingModule,
        EventsModule,
        HttpModule,
        HealthModule,
        ...DOMAIN_MODULES,
        ...extraModules,
      ],
    };
  }
}
