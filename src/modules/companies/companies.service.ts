import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { Principal } from '../../platform/auth/principal';
import { EventBus } from '../../platform/events/event-bus';
import { DomainException } from '../../platform/http/domain-exception';
import { CompaniesRepository } from './companies.repository';
import type { Company } from './company.entity';
import './companies.events';

@Injectable()
export class CompaniesService {
  constructor(
    private readonly companies: CompaniesRepository,
    private readonly events: EventBus,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CompaniesService.name);
  }

  /** The caller's own company, or null when the tenant was never registered. */
  ownCompany(principal: Principal): Promise<Company | null> {
    return this.companies.findById(principal.companyId);
  }

  /** The company's display name, for messages; a placeholder when the tenant was never registered. */
  async nameOf(companyId: string): Promise<string> {
    return (await this.companies.findById(companyId))?.name ?? 'custops';
  }

  /** A company by id; another tenant's id is answered exactly like a missing one. */
  async get(principal: Principal, id: string): Promise<Company> {
    const company = id === principal.companyId ? await this.companies.findById(id) : null;
    if (!company) throw DomainException.notFound('Company');
    return company;
  }

  async rename(principal: Principal, id: string, name: string): Promise<Company> {
    if (id !== principal.companyId) throw DomainException.notFound('Company');
    const started = performance.now();
    const company = await this.dataSource.transaction(async (manager) => {
      const updated = await this.companies.rename(manager, id, name);
      if (!updated) throw DomainException.notFound('Company');
      await this.events.publish(manager, {
        type: 'CompanyUpdated',
        companyId: id,
        userId: principal.userId,
        metadata: { fields_changed: ['name'] },
      });
      return updated;
    });
    this.logger.info(
      {
        operation: 'company.update',
        company_id: id,
        user_id: principal.userId,
        duration_ms: Math.round(performance.now() - started),
      },
      'Company updated',
    );
    return company;
  }

  /** Registers (or renames) a tenant: used by the CLI when provisioning. */
  register(id: string, name: string): Promise<Company> {
    return this.companies.upsert(id, name);
  }
}
