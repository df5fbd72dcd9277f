import { Module } from '@nestjs/common';
import { CompaniesModule } from '../companies/companies.module';
import { CustomersModule } from '../customers/customers.module';
import { StorageModule } from '../../platform/storage/storage.module';
import { StaffModule } from '../staff/staff.module';
import { EmailChannel } from './channels/email.channel';
import { SmsChannel } from './channels/sms.channel';
import { WebhookChannel } from './channels/webhook.channel';
import { DeliveryProcessor } from './delivery.processor';
import { NotificationTriggers } from './notification-triggers';
import { NotificationsAdmin } from './notifications-admin.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsMetrics } from './notifications.metrics';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import { TemplateRenderer } from './template-renderer';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [CustomersModule, CompaniesModule, StaffModule, StorageModule],
  controllers: [NotificationsController, WebhooksController],
  providers: [
    NotificationsService,
    NotificationsAdmin,
    NotificationsRepository,
    NotificationsMetrics,
    TemplateRenderer,
    DeliveryProcessor,
    NotificationTriggers,
    EmailChannel,
    SmsChannel,
    WebhookChannel,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule {}
