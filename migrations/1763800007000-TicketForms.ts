import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-company ticket forms: the structured fields a category requires on submit. */
export class TicketForms1763800007000 implements MigrationInterface {
  name = 'TicketForms1763800007000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_forms (
        company_id uuid NOT NULL,
        category text NOT NULL,
        fields jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, category)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_forms`);
  }
}
