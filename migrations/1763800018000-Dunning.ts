import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment reminders (dunning): a company's schedule of reminders in days from the due date (none
 * stored = the default schedule), and every reminder sent. UNIQUE (invoice_id, offset_days) is what
 * makes "once per invoice and offset" hold across concurrent scans and retries. A partial index of the
 * unpaid invoices lets the scan pass over them by id reading the index alone (the pass crosses tenants,
 * so company_id is not first).
 */
export class Dunning1763800018000 implements MigrationInterface {
  name = 'Dunning1763800018000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE invoice_reminder_schedules (
        company_id uuid PRIMARY KEY,
        offsets_days integer[] NOT NULL
          CHECK (cardinality(offsets_days) <= 20 AND array_position(offsets_days, NULL) IS NULL
                 AND -60 <= ALL (offsets_days) AND 365 >= ALL (offsets_days)),
        updated_by text,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice_reminders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES invoices (id),
        customer_id uuid NOT NULL,
        invoice_number text NOT NULL,
        offset_days integer NOT NULL,
        stage text NOT NULL CHECK (stage IN ('before_due', 'overdue')),
        reminded_on date NOT NULL,
        due_date date NOT NULL,
        balance_minor bigint NOT NULL CHECK (balance_minor > 0),
        currency character(3) NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT invoice_reminders_once UNIQUE (invoice_id, offset_days)
      )`);
    await queryRunner.query(
      `CREATE INDEX invoice_reminders_by_invoice ON invoice_reminders (company_id, invoice_id, created_at, id)`,
    );
    // The scan's pass over every tenant's unpaid invoices, by id in batches, reads only this index.
    await queryRunner.query(
      `CREATE INDEX invoices_remindable ON invoices (id) INCLUDE (company_id, due_date, issue_date)
         WHERE status IN ('open', 'partially_paid') AND balance_minor > 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX invoices_remindable`);
    await queryRunner.query(`DROP TABLE invoice_reminders`);
    await queryRunner.query(`DROP TABLE invoice_reminder_schedules`);
  }
}
