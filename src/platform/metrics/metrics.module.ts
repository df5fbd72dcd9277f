import { Global, Module } from '@nestjs/common';
import { DatabaseMetrics } from './database.metrics';
import { HttpMetrics } from './http.metrics';
import { MetricsRegistry } from './metrics-registry';
import { MetricsServer } from './metrics-server';
import { TenantLabel } from './tenant-label';

@Global()
@Module({
  providers: [MetricsRegistry, MetricsServer, HttpMetrics, DatabaseMetrics, TenantLabel],
  exports: [MetricsRegistry, MetricsServer, HttpMetrics, TenantLabel],
})
export class MetricsModule {}
