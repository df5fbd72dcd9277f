import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The support console's phone search (issue 13): a phone is stored as typed (`+254 712-345 678`), and an
 * agent types it however the customer reads it out (`0712 345678`, `254712345678`). The console compares
 * digits only, as a suffix (the national number without its trunk `0` ends the international one), so
 * the index holds the live customers' phone digits reversed: a suffix match becomes a prefix match, a
 * btree range scan under the tenant.
 */
export class ConsoleSearch1763800026000 implements MigrationInterface {
  name = 'ConsoleSearch1763800026000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX customers_company_phone_digits ON customers
         (company_id, reverse(regexp_replace(phone, '[^0-9]', '', 'g')) text_pattern_ops)
         WHERE deleted_at IS NULL AND phone IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX customers_company_phone_digits`);
  }
}
