import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { JourneysModule } from '../journeys/journeys.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { SupportAnalyticsController } from './analytics/support-analytics.controller';
import { SupportAnalyticsRepository } from './analytics/support-analytics.repository';
import { SupportAnalyticsService } from './analytics/support-analytics.service';
import { ResolutionController } from './resolution/resolution.controller';
import { TicketResolutionRepository } from './resolution/ticket-resolution.repository';
import { TicketResolutionService } from './resolution/ticket-resolution.service';
import { StaffModule } from '../staff/staff.module';
import { StorageModule } from '../../platform/storage/storage.module';
import { TicketAttachmentsController } from './ticket-attachments.controller';
import { TicketAttachmentsRepository } from './ticket-attachments.repository';
import { TicketAttachmentsService } from './ticket-attachments.service';
import { SlaConfigController } from './sla/sla-config.controller';
import { SlaConfigService } from './sla/sla-config.service';
import { SlaScanner } from './sla/sla-scanner';
import { TicketSlaRepository } from './sla/ticket-sla.repository';
import { TicketSlaService } from './sla/ticket-sla.service';
import { TicketsController } from './tickets.controller';
import { TicketsMetrics } from './tickets.metrics';
import { TicketsRepository } from './tickets.repository';
import { TicketsService } from './tickets.service';

@Module({
  imports: [CustomersModule, JourneysModule, StaffModule, StorageModule, NotificationsModule],
  // Attachments first: its static `attachments` routes are declared before `:id`.
  controllers: [
    TicketAttachmentsController,
    SlaConfigController,
    ResolutionController,
    SupportAnalyticsController,
    TicketsController,
  ],
  providers: [
    TicketsService,
    TicketsRepository,
    TicketsMetrics,
    TicketAttachmentsService,
    TicketAttachmentsRepository,
    TicketSlaService,
    TicketSlaRepository,
    SlaConfigService,
    SlaScanner,
    TicketResolutionService,
    TicketResolutionRepository,
    SupportAnalyticsService,
    SupportAnalyticsRepository,
  ],
  exports: [TicketsService, TicketAttachmentsService],
})
export class TicketsModule {}
