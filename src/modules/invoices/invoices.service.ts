import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Invoice } from './invoice.entity';

/** The invoices ledger's public API. For now: what other modules must know before erasing a customer. */
@Injectable()
export class InvoicesService {
  constructor(@InjectRepository(Invoice) private readonly invoices: Repository<Invoice>) {}

  /** Whether the customer has financial records that must be kept (SOX), whatever their state. */
  hasFinancialRecords(companyId: string, customerId: string): Promise<boolean> {
    return this.invoices.exists({ where: { companyId, customerId } });
  }
}
