import { MigrationInterface, QueryRunner } from 'typeorm';

/** The platform's tables: tenants, the event outbox, idempotency keys and scheduled-task claims. */
export class Platform1763800000000 implements MigrationInterface {
  name = 'Platform1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE companies (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE outbox_events (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        event_id uuid PRIMARY KEY,
        type text NOT NULL,
        company_id uuid NOT NULL,
        user_id text,
        customer_id uuid,
        correlation_id text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL,
        dispatched_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    // The relay's scan: only undispatched rows, in commit order; stays tiny however large the table grows.
    await queryRunner.query(
      `CREATE INDEX outbox_events_pending ON outbox_events (seq) WHERE dispatched_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_events_dispatched_at ON outbox_events (dispatched_at) WHERE dispatched_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_events_company_customer ON outbox_events (company_id, customer_id, occurred_at)`,
    );
    // Wake the relay on commit instead of waiting for its next poll.
    await queryRunner.query(`
      CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('custops_outbox', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
      FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()`);

    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        company_id uuid NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        response_headers jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (company_id, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`);

    await queryRunner.query(`
      CREATE TABLE scheduled_task_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task text NOT NULL,
        tick_at timestamptz NOT NULL,
        worker_id text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        duration_ms integer,
        UNIQUE (task, tick_at)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE scheduled_task_runs`);
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TRIGGER outbox_events_notify ON outbox_events`);
    await queryRunner.query(`DROP FUNCTION notify_outbox()`);
    await queryRunner.query(`DROP TABLE outbox_events`);
    await queryRunner.query(`DROP TABLE companies`);
  }
}
