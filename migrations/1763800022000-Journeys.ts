import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer journeys (seed 000, issue 9): every stage a flow reports (bank-account setup, payments, ticket
 * submission) as one row, the latest state of each run of a flow (so "who is stuck" is an indexed read
 * instead of a scan for each customer's last event), and per-company overrides of seed 000's
 * customer-facing response templates.
 */
export class Journeys1763800022000 implements MigrationInterface {
  name = 'Journeys1763800022000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE journey_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        flow text NOT NULL CHECK (flow IN ('bank_account_setup', 'payment', 'ticket_submission')),
        trace_id text NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL CHECK (status IN ('processing', 'success', 'error')),
        error_type text CHECK (
          error_type IN ('validation_error', 'external_service_error', 'timeout_error', 'system_error')
        ),
        duration_ms double precision CHECK (duration_ms >= 0),
        operation text,
        fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL
      )`);
    // The timeline of one customer, oldest first (seq breaks ties between events of the same instant).
    await queryRunner.query(
      `CREATE INDEX journey_events_company_customer_time
         ON journey_events (company_id, customer_id, occurred_at, seq)`,
    );
    // Errors since a time (counts by customer and class).
    await queryRunner.query(
      `CREATE INDEX journey_events_company_errors_time
         ON journey_events (company_id, occurred_at) INCLUDE (customer_id, error_type)
         WHERE status = 'error'`,
    );
    // Durations since a time (avg/max/count by operation and bin), answered from the index alone.
    await queryRunner.query(
      `CREATE INDEX journey_events_company_durations_time
         ON journey_events (company_id, occurred_at) INCLUDE (operation, duration_ms)
         WHERE duration_ms IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE journey_states (
        company_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        flow text NOT NULL,
        trace_id text NOT NULL,
        last_event_type text NOT NULL,
        last_status text NOT NULL CHECK (last_status IN ('processing', 'success', 'error')),
        last_error_type text,
        started_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        terminal boolean NOT NULL,
        PRIMARY KEY (company_id, customer_id, flow, trace_id)
      )`);
    // "Stuck": runs that have not ended, by company, flow and age.
    await queryRunner.query(
      `CREATE INDEX journey_states_company_open
         ON journey_states (company_id, flow, last_at) WHERE NOT terminal`,
    );
    await queryRunner.query(`
      CREATE TABLE journey_response_templates (
        company_id uuid NOT NULL,
        error_type text NOT NULL CHECK (
          error_type IN ('validation_error', 'external_service_error', 'timeout_error', 'system_error')
        ),
        text text NOT NULL,
        updated_by text,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, error_type)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE journey_response_templates`);
    await queryRunner.query(`DROP TABLE journey_states`);
    await queryRunner.query(`DROP TABLE journey_events`);
  }
}
