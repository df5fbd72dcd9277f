import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * AR aging (issue 7): stored snapshots (a header per run, then one row per customer and currency and
 * one company-total row per currency), each customer's overdue state as of the last nightly run, and
 * the indexes the aging reads need besides `invoices_open_by_customer`:
 *
 * - allocations by company and date, with the invoice and amount, read index-only: the allocations
 *   dated after an as-of date (rolling the open ledger back) or up to it (rebuilding history);
 * - voided invoices by company and void time: those voided after an as-of date still counted then;
 * - non-draft invoices by company and issue date: the history path for older as-of dates.
 */
export class Aging1763800017000 implements MigrationInterface {
  name = 'Aging1763800017000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX invoice_allocations_company_date ON invoice_allocations (company_id, allocated_on)
         INCLUDE (invoice_id, amount_minor)`,
    );
    await queryRunner.query(
      `CREATE INDEX invoices_company_voided ON invoices (company_id, voided_at) WHERE status = 'void'`,
    );
    await queryRunner.query(
      `CREATE INDEX invoices_company_issued ON invoices (company_id, issue_date) WHERE status <> 'draft'`,
    );

    await queryRunner.query(`
      CREATE TABLE aging_snapshots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        as_of date NOT NULL,
        basis text NOT NULL CHECK (basis IN ('due_date', 'issue_date')),
        trigger text NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
        requested_by text,
        requested_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz,
        duration_ms integer,
        customers integer,
        invoices integer,
        error text
      )`);
    await queryRunner.query(
      `CREATE INDEX aging_snapshots_company_requested ON aging_snapshots (company_id, requested_at DESC, id DESC)`,
    );
    // The nightly run takes one scheduled snapshot per company and day, however often it is retried.
    await queryRunner.query(
      `CREATE UNIQUE INDEX aging_snapshots_scheduled_once ON aging_snapshots (company_id, as_of, basis)
         WHERE trigger = 'scheduled'`,
    );
    // The latest finished snapshot per company (the bucket distribution gauge).
    await queryRunner.query(
      `CREATE INDEX aging_snapshots_company_done ON aging_snapshots (company_id, as_of DESC, completed_at DESC)
         WHERE status = 'done'`,
    );

    await queryRunner.query(`
      CREATE TABLE aging_snapshot_rows (
        company_id uuid NOT NULL,
        snapshot_id uuid NOT NULL REFERENCES aging_snapshots (id) ON DELETE CASCADE,
        customer_id uuid,
        currency character(3) NOT NULL,
        current_minor bigint NOT NULL,
        days_1_30_minor bigint NOT NULL,
        days_31_60_minor bigint NOT NULL,
        days_61_90_minor bigint NOT NULL,
        days_over_90_minor bigint NOT NULL,
        total_minor bigint NOT NULL,
        current_invoices integer NOT NULL,
        days_1_30_invoices integer NOT NULL,
        days_31_60_invoices integer NOT NULL,
        days_61_90_invoices integer NOT NULL,
        days_over_90_invoices integer NOT NULL,
        invoices integer NOT NULL
      )`);
    // customer_id NULL is the company total of the currency; one row per key, so a rerun inserts nothing.
    await queryRunner.query(
      `CREATE UNIQUE INDEX aging_snapshot_rows_key ON aging_snapshot_rows (company_id, snapshot_id, customer_id, currency)
         NULLS NOT DISTINCT`,
    );

    await queryRunner.query(`
      CREATE TABLE customer_overdue_states (
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        state text NOT NULL CHECK (state IN ('current', 'overdue_30', 'overdue_60', 'overdue_90')),
        oldest_due_date date,
        days_past_due integer,
        as_of date NOT NULL,
        changed_at timestamptz NOT NULL,
        computed_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, customer_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX customer_overdue_states_overdue ON customer_overdue_states (company_id, state)
         WHERE state <> 'current'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE customer_overdue_states`);
    await queryRunner.query(`DROP TABLE aging_snapshot_rows`);
    await queryRunner.query(`DROP TABLE aging_snapshots`);
    await queryRunner.query(`DROP INDEX invoices_company_issued`);
    await queryRunner.query(`DROP INDEX invoices_company_voided`);
    await queryRunner.query(`DROP INDEX invoice_allocations_company_date`);
  }
}
