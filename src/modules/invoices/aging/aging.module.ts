import { Module } from '@nestjs/common';
import { AgingNightly } from './aging-nightly';
import { AgingSnapshotsService } from './aging-snapshots.service';
import { AgingController } from './aging.controller';
import { AgingMetrics } from './aging.metrics';
import { AgingRepository } from './aging.repository';
import { AgingService } from './aging.service';

/**
 * AR aging (issue 7), part of the invoices module: the live report, stored snapshots computed by a
 * durable subscriber, the nightly run (overdue states and scheduled snapshots) and seed 002's metrics.
 */
@Module({
  controllers: [AgingController],
  providers: [AgingService, AgingSnapshotsService, AgingRepository, AgingMetrics, AgingNightly],
  /** For InvoicesService: the aging summary of a customer statement is the live report's. */
  exports: [AgingRepository],
})
export class AgingModule {}
