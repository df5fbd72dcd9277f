import { Injectable } from '@nestjs/common';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { CustomersRepository } from './customers.repository';

const MONTHS_AHEAD = 3;

/** Keeps the audit log's monthly partitions three months ahead (daily, once across all workers). */
@Injectable()
export class AuditPartitions {
  constructor(scheduler: TaskScheduler, repository: CustomersRepository) {
    scheduler.register({
      name: 'customers.audit-partitions',
      cadence: { pattern: '15 0 * * *' },
      run: () => repository.ensureAuditPartitions(MONTHS_AHEAD),
    });
  }
}
