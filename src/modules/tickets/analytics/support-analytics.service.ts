import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { DomainException } from '../../../platform/http/domain-exception';
import { resolveRange } from './analytics-range';
import { buildReport, SupportAnalyticsReport } from './analytics-report';
import { SupportAnalyticsRepository } from './support-analytics.repository';
import type { SupportAnalyticsQuery } from './support-analytics.query';

/**
 * Support analytics (seed 004's KPIs) computed from the tickets' history and the ratings, never from
 * counters: three set-based statements, whatever the volume, shaped into overall, group and bucket figures.
 */
@Injectable()
export class SupportAnalyticsService {
  constructor(
    private readonly repository: SupportAnalyticsRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(SupportAnalyticsService.name);
  }

  async report(principal: Principal, query: SupportAnalyticsQuery): Promise<SupportAnalyticsReport> {
    const started = performance.now();
    const range = resolveRange(query, this.clock.now());
    if (Array.isArray(range)) {
      throw new DomainException(
        'invalid_input',
        'validation-failed',
        'The analytics range is invalid',
        range,
      );
    }
    const groupBy = query.group_by ?? null;
    const [cohort, csat, backlog] = await Promise.all([
      this.repository.cohort(principal.companyId, range, groupBy),
      this.repository.csat(principal.companyId, range, groupBy),
      this.repository.backlog(principal.companyId, range, groupBy),
    ]);
    const report = buildReport(range, groupBy, cohort, csat, backlog);
    this.logger.info(
      {
        operation: 'support.analytics',
        company_id: principal.companyId,
        user_id: principal.userId,
        group_by: groupBy,
        interval: range.interval,
        range_days: Math.round((range.to.getTime() - range.from.getTime()) / 86_400_000),
        duration_ms: Math.round(performance.now() - started),
      },
      'Support analytics computed',
    );
    return report;
  }
}
