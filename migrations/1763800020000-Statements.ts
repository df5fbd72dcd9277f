import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer statements (issue 8): one row per requested statement (a customer, a period, a currency, a
 * format and a delivery), the monthly runs that request one for every customer with a balance
 * (exactly once per company and period), the index the statement's ledger query needs on allocations
 * (a customer's allocations by date, read index-only), and attachments on notifications (an emailed
 * statement carries its PDF, read from object storage when the email is sent).
 */
export class Statements1763800020000 implements MigrationInterface {
  name = 'Statements1763800020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE statement_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        format text NOT NULL CHECK (format IN ('pdf', 'csv')),
        delivery_method text NOT NULL CHECK (delivery_method IN ('download', 'email')),
        trigger text NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
        statements_count integer NOT NULL DEFAULT 0,
        requested_by text,
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        CHECK (period_from <= period_to)
      )`);
    // A monthly run happens once per company and period, however often it is asked for or retried.
    await queryRunner.query(
      `CREATE UNIQUE INDEX statement_runs_once ON statement_runs (company_id, period_from, period_to)`,
    );

    await queryRunner.query(`
      CREATE TABLE statements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        run_id uuid REFERENCES statement_runs (id) ON DELETE CASCADE,
        currency character(3) NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        period_months integer CHECK (period_months BETWEEN 1 AND 24),
        format text NOT NULL CHECK (format IN ('pdf', 'csv')),
        delivery_method text NOT NULL CHECK (delivery_method IN ('download', 'email')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'generating', 'generated', 'failed')),
        storage_key text,
        filename text,
        content_type text,
        file_size_bytes bigint,
        line_count integer,
        opening_balance_minor bigint,
        closing_balance_minor bigint,
        requested_by text,
        error text,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        generated_at timestamptz,
        CHECK (period_from <= period_to)
      )`);
    await queryRunner.query(
      `CREATE INDEX statements_customer_created ON statements (company_id, customer_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX statements_run ON statements (company_id, run_id, status) WHERE run_id IS NOT NULL`,
    );

    // The statement ledger: a customer's allocations up to a date, index-only.
    await queryRunner.query(
      `CREATE INDEX invoice_allocations_customer_date ON invoice_allocations (company_id, customer_id, allocated_on)
         INCLUDE (currency, amount_minor, invoice_id)`,
    );

    await queryRunner.query(`ALTER TABLE notifications ADD COLUMN attachments jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notifications DROP COLUMN attachments`);
    await queryRunner.query(`DROP INDEX invoice_allocations_customer_date`);
    await queryRunner.query(`DROP TABLE statements`);
    await queryRunner.query(`DROP TABLE statement_runs`);
  }
}
