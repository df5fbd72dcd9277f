import { Module } from '@nestjs/common';
import { CompaniesModule } from '../companies/companies.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { AffectedCustomers, ServiceTagSource } from './affected-customers';
import { MaintenanceController } from './maintenance.controller';
import { MaintenanceMetrics } from './maintenance.metrics';
import { MaintenanceNotifier } from './maintenance-notifier';
import { MaintenanceRepository } from './maintenance.repository';
import { MaintenanceScanner } from './maintenance-scanner';
import { MaintenanceService } from './maintenance.service';
import { MaintenanceStages } from './maintenance-stages';

@Module({
  imports: [CompaniesModule, CustomersModule, NotificationsModule],
  controllers: [MaintenanceController],
  providers: [
    MaintenanceService,
    MaintenanceRepository,
    MaintenanceStages,
    MaintenanceScanner,
    MaintenanceNotifier,
    MaintenanceMetrics,
    AffectedCustomers,
    ServiceTagSource,
  ],
  exports: [MaintenanceService],
})
export class MaintenanceModule {}
