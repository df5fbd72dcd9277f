import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents work queues by status ("open tickets, newest first"): without this index such a list walks
 * the company's whole ticket history to find the few rows of one status.
 */
export class TicketQueues1763800010000 implements MigrationInterface {
  name = 'TicketQueues1763800010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX tickets_company_status_created ON tickets (company_id, status, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tickets_company_status_created`);
  }
}
