import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receivables (seed 002): the invoice ledger grows lines, statuses and balances; allocations are the
 * only way a balance falls; credit limits (one row per customer, also the lock that serialises
 * exposure checks), limit adjustment requests and recorded breaches.
 *
 * Money is integer minor units; quantities are thousandths (quantity_milli) and tax rates basis
 * points, so totals never touch floating point. Dates that age (issue, due, allocation) are calendar
 * dates in the company's books.
 */
export class Receivables1763800015000 implements MigrationInterface {
  name = 'Receivables1763800015000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The ledger had no rows of its own before this migration but those tests wrote; keep them valid.
    await queryRunner.query(`
      ALTER TABLE invoices
        ADD COLUMN status text NOT NULL DEFAULT 'open'
          CHECK (status IN ('draft', 'open', 'partially_paid', 'paid', 'void')),
        ADD COLUMN issue_date date,
        ADD COLUMN due_date date,
        ADD COLUMN payment_terms_days integer CHECK (payment_terms_days BETWEEN 0 AND 3650),
        ADD COLUMN subtotal_minor bigint NOT NULL DEFAULT 0,
        ADD COLUMN tax_minor bigint NOT NULL DEFAULT 0,
        ADD COLUMN allocated_minor bigint NOT NULL DEFAULT 0 CHECK (allocated_minor >= 0),
        ADD COLUMN balance_minor bigint NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
        ADD COLUMN voided_at timestamptz,
        ADD COLUMN void_reason text,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
        ALTER COLUMN issued_at DROP NOT NULL,
        ALTER COLUMN due_at DROP NOT NULL`);
    await queryRunner.query(`
      UPDATE invoices SET issue_date = (issued_at AT TIME ZONE 'UTC')::date, due_date = (due_at AT TIME ZONE 'UTC')::date,
             subtotal_minor = total_minor, balance_minor = total_minor`);
    await queryRunner.query(`
      ALTER TABLE invoices
        ALTER COLUMN issue_date SET NOT NULL,
        ALTER COLUMN due_date SET NOT NULL,
        ALTER COLUMN status SET DEFAULT 'draft',
        DROP COLUMN due_at,
        ADD CONSTRAINT invoices_due_after_issue CHECK (due_date >= issue_date),
        ADD CONSTRAINT invoices_total_check CHECK (total_minor = subtotal_minor + tax_minor),
        ADD CONSTRAINT invoices_balance_check CHECK (
          (status = 'void' AND balance_minor = 0) OR (status <> 'void' AND balance_minor = total_minor - allocated_minor))`);
    // Open receivables per company (aging, exposure): only rows with money still owed.
    await queryRunner.query(
      `CREATE INDEX invoices_open_by_customer ON invoices (company_id, customer_id, currency)
         INCLUDE (balance_minor, due_date, issue_date) WHERE status IN ('open', 'partially_paid')`,
    );
    await queryRunner.query(`CREATE INDEX invoices_company_due ON invoices (company_id, due_date)`);

    await queryRunner.query(`
      CREATE TABLE invoice_number_counters (
        company_id uuid PRIMARY KEY,
        last_value bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
        position integer NOT NULL,
        description text NOT NULL,
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        tax_rate_bp integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
        subtotal_minor bigint NOT NULL,
        tax_minor bigint NOT NULL,
        total_minor bigint NOT NULL,
        UNIQUE (invoice_id, position)
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice_allocations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES invoices (id),
        customer_id uuid NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency character(3) NOT NULL,
        allocated_on date NOT NULL,
        source text NOT NULL CHECK (source IN ('manual', 'payment')),
        payment_id uuid,
        note text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX invoice_allocations_invoice ON invoice_allocations (invoice_id, allocated_on)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX invoice_allocations_payment ON invoice_allocations (payment_id, invoice_id) WHERE payment_id IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE credit_limits (
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        currency character(3) NOT NULL,
        limit_minor bigint NOT NULL CHECK (limit_minor >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (company_id, customer_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE credit_limit_adjustments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        adjustment_type text NOT NULL CHECK (adjustment_type IN ('increase', 'decrease')),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency character(3) NOT NULL,
        reason text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        limit_before_minor bigint,
        limit_after_minor bigint
      )`);
    await queryRunner.query(
      `CREATE INDEX credit_limit_adjustments_customer ON credit_limit_adjustments (company_id, customer_id, requested_at DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE credit_breaches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        invoice_id uuid REFERENCES invoices (id),
        currency character(3) NOT NULL,
        limit_minor bigint NOT NULL,
        exposure_minor bigint NOT NULL,
        overage_minor bigint NOT NULL,
        severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
        override_used boolean NOT NULL,
        override_reason text,
        refused boolean NOT NULL,
        actor_id text,
        occurred_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX credit_breaches_customer ON credit_breaches (company_id, customer_id, occurred_at DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE credit_breaches`);
    await queryRunner.query(`DROP TABLE credit_limit_adjustments`);
    await queryRunner.query(`DROP TABLE credit_limits`);
    await queryRunner.query(`DROP TABLE invoice_allocations`);
    await queryRunner.query(`DROP TABLE invoice_lines`);
    await queryRunner.query(`DROP TABLE invoice_number_counters`);
    await queryRunner.query(`DROP INDEX invoices_company_due`);
    await queryRunner.query(`DROP INDEX invoices_open_by_customer`);
    await queryRunner.query(`
      ALTER TABLE invoices
        DROP CONSTRAINT invoices_balance_check, DROP CONSTRAINT invoices_total_check,
        DROP CONSTRAINT invoices_due_after_issue,
        ADD COLUMN due_at timestamptz`);
    await queryRunner.query(
      `UPDATE invoices SET due_at = due_date, issued_at = coalesce(issued_at, issue_date)`,
    );
    await queryRunner.query(`
      ALTER TABLE invoices
        ALTER COLUMN due_at SET NOT NULL, ALTER COLUMN issued_at SET NOT NULL,
        DROP COLUMN updated_at, DROP COLUMN void_reason, DROP COLUMN voided_at, DROP COLUMN balance_minor,
        DROP COLUMN allocated_minor, DROP COLUMN tax_minor, DROP COLUMN subtotal_minor,
        DROP COLUMN payment_terms_days, DROP COLUMN due_date, DROP COLUMN issue_date, DROP COLUMN status`);
  }
}
