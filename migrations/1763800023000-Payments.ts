import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments (issue 9): payment intents and the gateway callbacks received for them.
 *
 * - `payment_intents`: one row per attempt to pay (an invoice, later a sessions package). The
 *   Idempotency-Key is unique per company, so a retried create finds the first intent. `phone` is PII
 *   (mobile money): never logged, never in events.
 * - The gateway's checkout request id is unique per provider: callbacks arrive without a tenant and find
 *   their intent through it (the one index here that does not start with company_id, on purpose).
 * - A partial index of the intents still `processing`, by `updated_at`, is all reconciliation reads.
 * - `payment_callbacks`: every verified callback, unique per (provider, body hash): the same callback
 *   delivered twice is recorded once and changes nothing the second time.
 */
export class Payments1763800023000 implements MigrationInterface {
  name = 'Payments1763800023000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_intents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency character(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        method text NOT NULL CHECK (method IN ('card', 'mobile_money', 'bank_transfer')),
        purpose_type text NOT NULL CHECK (purpose_type IN ('invoice', 'package')),
        purpose_id uuid NOT NULL,
        phone text,
        status text NOT NULL
          CHECK (status IN ('requires_action', 'processing', 'succeeded', 'failed', 'canceled')),
        error_code text,
        error_class text,
        error_message text,
        provider text NOT NULL,
        gateway_reference text,
        provider_reference text,
        attempts integer NOT NULL DEFAULT 0,
        idempotency_key text NOT NULL,
        trace_id text NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        completed_at timestamptz,
        CONSTRAINT payment_intents_idempotency UNIQUE (company_id, idempotency_key)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX payment_intents_gateway_reference ON payment_intents (provider, gateway_reference)
         WHERE gateway_reference IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX payment_intents_by_customer ON payment_intents (company_id, customer_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX payment_intents_by_company ON payment_intents (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX payment_intents_by_purpose ON payment_intents (company_id, purpose_type, purpose_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX payment_intents_processing ON payment_intents (updated_at) WHERE status = 'processing'`,
    );
    await queryRunner.query(`
      CREATE TABLE payment_callbacks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid,
        payment_id uuid REFERENCES payment_intents (id),
        provider text NOT NULL,
        checkout_request_id text NOT NULL,
        body_hash text NOT NULL,
        result_code integer,
        outcome text NOT NULL,
        received_at timestamptz NOT NULL,
        CONSTRAINT payment_callbacks_once UNIQUE (provider, body_hash)
      )`);
    await queryRunner.query(
      `CREATE INDEX payment_callbacks_by_payment ON payment_callbacks (company_id, payment_id, received_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_callbacks`);
    await queryRunner.query(`DROP TABLE payment_intents`);
  }
}
