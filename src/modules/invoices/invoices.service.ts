import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The invoices ledger's public API. For now: what other modules must know before erasing a customer. */
@Injectable()
export class InvoicesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether the customer has financial records that must be kept (SOX), whatever their state. */
  async hasFinancialRecords(companyId: string, customerId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM invoices WHERE company_id = $1 AND customer_id = $2 LIMIT 1',
      [companyId, customerId],
    );
    return rows.length > 0;
  }
}
