import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Principal } from '../../../platform/auth/principal';
import { CustomersService } from '../../customers/customers.service';

export interface BillableCustomer {
  id: string;
  currency: string;
}

/**
 * The invoices module's read of a customer (exists for the caller's tenant, its currency), through the
 * customers module's public service.
 *
 * Why not `imports: [CustomersModule]`: CustomersModule already imports InvoicesModule (erasure and
 * currency changes ask `InvoicesService.hasFinancialRecords`), so the import would close a module
 * cycle that only `forwardRef` on both sides could hold together. Instead this port resolves
 * CustomersService from the application's container on first use (`strict: false`). The providers
 * themselves form no cycle: CustomersService → InvoicesService → the ledger's allocation use case,
 * none of which needs this port. (The structural fix is to give the receivables features a module of
 * their own next to the small InvoicesModule port, registered in app.module.ts.)
 */
@Injectable()
export class CustomerDirectory {
  private customers?: CustomersService;

  constructor(private readonly moduleRef: ModuleRef) {}

  /** The customer as the caller may see it; a missing, deleted or foreign customer is a 404. */
  async billable(principal: Principal, customerId: string): Promise<BillableCustomer> {
    const customer = await this.service().get(principal, customerId);
    return { id: customer.id, currency: customer.currency.trim() };
  }

  private service(): CustomersService {
    this.customers ??= this.moduleRef.get(CustomersService, { strict: false });
    return this.customers;
  }
}
