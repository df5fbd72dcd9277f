import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { JourneyCommitHook } from './journey-commit-hook';
import { CustomerJourneyController, JourneysController } from './journeys.controller';
import { JourneysMetrics } from './journeys.metrics';
import { JourneysRepository } from './journeys.repository';
import { JourneysService } from './journeys.service';

@Module({
  imports: [CustomersModule],
  controllers: [CustomerJourneyController, JourneysController],
  providers: [JourneysService, JourneysRepository, JourneysMetrics, JourneyCommitHook],
  exports: [JourneysService],
})
export class JourneysModule {}
