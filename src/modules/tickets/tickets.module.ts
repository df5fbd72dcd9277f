import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { StaffModule } from '../staff/staff.module';
import { TicketsController } from './tickets.controller';
import { TicketsMetrics } from './tickets.metrics';
import { TicketsRepository } from './tickets.repository';
import { TicketsService } from './tickets.service';

@Module({
  imports: [CustomersModule, StaffModule],
  controllers: [TicketsController],
  providers: [TicketsService, TicketsRepository, TicketsMetrics],
  exports: [TicketsService],
})
export class TicketsModule {}
