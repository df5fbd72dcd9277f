import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoices and credit (issue 7) on top of the receivables schema:
 * - `credit_limits.limit_minor` may be NULL: "no limit set". The row is also the lock that serialises
 *   exposure checks, so issuing an invoice inserts it (NULL) for a customer who has no limit yet.
 * - The latest credit utilisation distribution per company (nightly), which the
 *   `customer_credit_utilization_histogram` gauge reads on every replica.
 * - Keyset list indexes: invoices and limit adjustments newest first.
 */
export class InvoicesCredit1763800016000 implements MigrationInterface {
  name = 'InvoicesCredit1763800016000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE credit_limits ALTER COLUMN limit_minor DROP NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE credit_utilisation_snapshots (
        company_id uuid NOT NULL,
        bucket text NOT NULL CHECK (bucket IN ('0-25%', '25-50%', '50-75%', '75-100%', '100%+')),
        customers integer NOT NULL CHECK (customers >= 0),
        computed_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, bucket)
      )`);
    await queryRunner.query(
      `CREATE INDEX invoices_company_created ON invoices (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX credit_limit_adjustments_company_requested
         ON credit_limit_adjustments (company_id, requested_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX credit_breaches_company_occurred ON credit_breaches (company_id, occurred_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX credit_breaches_company_occurred`);
    await queryRunner.query(`DROP INDEX credit_limit_adjustments_company_requested`);
    await queryRunner.query(`DROP INDEX invoices_company_created`);
    await queryRunner.query(`DROP TABLE credit_utilisation_snapshots`);
    await queryRunner.query(`DELETE FROM credit_limits WHERE limit_minor IS NULL`);
    await queryRunner.query(`ALTER TABLE credit_limits ALTER COLUMN limit_minor SET NOT NULL`);
  }
}
