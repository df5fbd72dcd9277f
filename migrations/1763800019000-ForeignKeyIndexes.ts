import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes under two foreign keys that had none usable (the attempts index leads with company_id):
 * deleting a notification delivery (or a ticket) made PostgreSQL scan the referencing table for every
 * row, which the aging bench's clean-up hit hard.
 */
export class ForeignKeyIndexes1763800019000 implements MigrationInterface {
  name = 'ForeignKeyIndexes1763800019000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX notification_delivery_attempts_by_delivery ON notification_delivery_attempts (delivery_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tickets_merged_into`);
    await queryRunner.query(`DROP INDEX notification_delivery_attempts_by_delivery`);
  }
}
