import { Injectable } from '@nestjs/common';
import { AffectedCustomerSource, MaintenanceService } from '../maintenance/maintenance.service';
import { SessionsRepository } from './sessions.repository';

/** Maintenance targeting: customers with an active session on a package that covers an affected service. */
@Injectable()
export class SessionsAffectedCustomers implements AffectedCustomerSource {
  readonly name = 'sessions.active';

  constructor(
    private readonly repository: SessionsRepository,
    maintenance: MaintenanceService,
  ) {
    maintenance.registerAffectedCustomerSource(this);
  }

  customersUsing(companyId: string, services: string[]): Promise<string[]> {
    return this.repository.customersWithActiveSessionOn(companyId, services);
  }
}
