import { Injectable } from '@nestjs/common';
import { CustomersService } from '../customers/customers.service';
import { serviceTag } from './maintenance-window';

/**
 * Knows which customers use some services. The maintenance module asks every registered source and
 * notifies the union; other modules (sessions: an active session or package on the service) add
 * theirs with `MaintenanceService.registerAffectedCustomerSource`.
 */
export interface AffectedCustomerSource {
  /** Stable and unique, for logs (e.g. `customers.service-tags`, `sessions.active`). */
  readonly name: string;
  /** Ids of the tenant's customers using any of `services`; only that tenant's, and live ones. */
  customersUsing(companyId: string, services: string[]): Promise<string[]>;
}

/** The sources, in registration order. */
@Injectable()
export class AffectedCustomers {
  private readonly sources = new Map<string, AffectedCustomerSource>();

  register(source: AffectedCustomerSource): void {
    if (this.sources.has(source.name)) {
      throw new Error(`Affected-customer source ${source.name} is registered twice`);
    }
    this.sources.set(source.name, source);
  }

  names(): string[] {
    return [...this.sources.keys()];
  }

  /** The union of every source's answer, sorted (stable batches); a failing source fails the whole. */
  async of(companyId: string, services: string[]): Promise<string[]> {
    const answers = await Promise.all(
      [...this.sources.values()].map((source) => source.customersUsing(companyId, services)),
    );
    return [...new Set(answers.flat())].sort();
  }
}

/** The built-in source: active customers tagged `service:<name>` for an affected service. */
@Injectable()
export class ServiceTagSource implements AffectedCustomerSource {
  readonly name = 'customers.service-tags';

  constructor(
    private readonly customers: CustomersService,
    registry: AffectedCustomers,
  ) {
    registry.register(this);
  }

  customersUsing(companyId: string, services: string[]): Promise<string[]> {
    return this.customers.activeIdsTagged(companyId, services.map(serviceTag));
  }
}
