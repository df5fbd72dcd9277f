import { MigrationInterface, QueryRunner } from 'typeorm';

/** The staff directory: who works for a company, in which department, with which roles and addresses. */
export class Staff1763800004000 implements MigrationInterface {
  name = 'Staff1763800004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE staff_members (
        company_id uuid NOT NULL,
        user_id text NOT NULL,
        name text NOT NULL,
        email citext,
        phone text,
        roles text[] NOT NULL,
        department text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, user_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX staff_members_department ON staff_members (company_id, department) WHERE active`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE staff_members`);
  }
}
