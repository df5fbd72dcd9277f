import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bank-account setup (issue 9, seed 000): one row per setup request (the worker's state machine, with
 * the account and routing numbers encrypted, AES-256-GCM iv|tag|ciphertext, and masked copies for
 * display), and the accounts that requests created (one per request at most: `request_id` unique, so a
 * retried job cannot create a second one).
 */
export class BankAccounts1763800024000 implements MigrationInterface {
  name = 'BankAccounts1763800024000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE bank_account_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        trace_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'processing', 'waiting_external', 'completed', 'failed')),
        account_type text NOT NULL CHECK (account_type IN ('checking', 'savings')),
        account_holder_name text NOT NULL,
        routing_number_masked text,
        account_last4 text,
        iban_masked text,
        account_number_encrypted bytea NOT NULL,
        routing_number_encrypted bytea,
        error_type text CHECK (error_type IN ('validation_error', 'external_service_error', 'timeout_error', 'system_error')),
        error_message text,
        attempts integer NOT NULL DEFAULT 0,
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CHECK (routing_number_encrypted IS NOT NULL OR iban_masked IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX bank_account_requests_customer ON bank_account_requests (company_id, customer_id, created_at DESC)`,
    );
    // Requests still open (the stuck-journey view, and an operator's sweep): small, partial.
    await queryRunner.query(
      `CREATE INDEX bank_account_requests_open ON bank_account_requests (company_id, status, updated_at)
         WHERE status IN ('queued', 'processing', 'waiting_external')`,
    );

    await queryRunner.query(`
      CREATE TABLE bank_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        request_id uuid NOT NULL UNIQUE REFERENCES bank_account_requests (id) ON DELETE CASCADE,
        account_type text NOT NULL CHECK (account_type IN ('checking', 'savings')),
        account_holder_name text NOT NULL,
        routing_number_masked text,
        iban_masked text,
        account_last4 text,
        account_number_encrypted bytea NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX bank_accounts_customer ON bank_accounts (company_id, customer_id, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE bank_accounts`);
    await queryRunner.query(`DROP TABLE bank_account_requests`);
  }
}
