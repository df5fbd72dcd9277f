import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { MaintenanceModule } from '../maintenance/maintenance.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PaymentsModule } from '../payments/payments.module';
import { AccessControllerController } from './access-controller.controller';
import { AccessDevicesController } from './devices/access-devices.controller';
import { AccessDevicesRepository } from './devices/access-devices.repository';
import { DeviceKeyGuard } from './devices/device-key.guard';
import { PackagesController } from './packages/packages.controller';
import { PackagesRepository } from './packages/packages.repository';
import { SessionReportsController } from './reports/session-reports.controller';
import { SessionReportsRepository } from './reports/session-reports.repository';
import { SessionReportsService } from './reports/session-reports.service';
import { SessionAuthorizer } from './session-authorizer';
import { SessionExpiry } from './session-expiry';
import { SessionLifecycle } from './session-lifecycle';
import { SessionNotifications } from './session-notifications';
import { SessionPayments } from './session-payments';
import { SessionsAffectedCustomers } from './sessions-affected-customers';
import { SessionsController } from './sessions.controller';
import { SessionsMetrics } from './sessions.metrics';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { UsageAccounting } from './usage-accounting';
import { VouchersController } from './vouchers/vouchers.controller';
import { VouchersRepository } from './vouchers/vouchers.repository';
import { VouchersService } from './vouchers/vouchers.service';

/** Paid WiFi sessions (issue 10, seed 003; docs/sessions.md). */
@Module({
  imports: [CustomersModule, PaymentsModule, NotificationsModule, MaintenanceModule],
  controllers: [
    PackagesController,
    SessionsController,
    AccessControllerController,
    AccessDevicesController,
    VouchersController,
    SessionReportsController,
  ],
  providers: [
    SessionsService,
    SessionsRepository,
    PackagesRepository,
    AccessDevicesRepository,
    DeviceKeyGuard,
    SessionLifecycle,
    SessionAuthorizer,
    SessionPayments,
    SessionExpiry,
    SessionNotifications,
    SessionsAffectedCustomers,
    SessionsMetrics,
    UsageAccounting,
    VouchersService,
    VouchersRepository,
    SessionReportsService,
    SessionReportsRepository,
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
